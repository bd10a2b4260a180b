import { lstat, readdir, rm } from 'node:fs/promises';
import path from 'node:path';

/** Removes the entries of `dir` (files or whole folders) not modified for `maxAgeMs`; counts them. */
export async function removeStaleEntries(dir: string, maxAgeMs: number, now = Date.now()) {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let removed = 0;
  for (const name of names) {
    const entry = path.join(dir, name);
    const stats = await lstat(entry).catch(() => undefined);
    if (!stats || now - stats.mtimeMs <= maxAgeMs) continue;
    await rm(entry, { recursive: true, force: true });
    removed++;
  }
  return removed;
}
