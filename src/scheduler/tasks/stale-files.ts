import { lstat, readdir, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * Removes the entries of `dir` whose name starts with `prefix` (files or whole folders) when
 * nothing in them was modified for `maxAgeMs`; counts them. Only the app's own entries: TEMP_DIR
 * may be shared. A folder's age is its newest file's, since a folder's own time does not change
 * while a file inside it grows.
 */
export async function removeStaleEntries(
  dir: string,
  prefix: string,
  maxAgeMs: number,
  now = Date.now(),
): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let removed = 0;
  for (const name of names.filter((n) => n.startsWith(prefix))) {
    const entry = path.join(dir, name);
    const newest = await newestChange(entry);
    if (newest === undefined || now - newest <= maxAgeMs) continue;
    await rm(entry, { recursive: true, force: true });
    removed++;
  }
  return removed;
}

async function newestChange(entry: string): Promise<number | undefined> {
  const stats = await lstat(entry).catch(() => undefined);
  if (!stats) return undefined;
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = stats.mtimeMs;
  for (const name of await readdir(entry).catch(() => [] as string[])) {
    const inner = await newestChange(path.join(entry, name));
    if (inner !== undefined) newest = Math.max(newest, inner);
  }
  return newest;
}
