import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, realpath, rename, rm, rmdir, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  ObjectNotFoundError,
  type ObjectPage,
  type ObjectRead,
  type ObjectStorage,
  RangeNotSatisfiableError,
  safeKey,
  type StorageArea,
  type StoredObject,
  UnsafeKeyError,
} from './object-storage';

/** A write in progress: `<name>.partial-<hex>` beside its target, renamed when complete. */
export const PARTIAL_MARK = '.partial-';

/**
 * Files in local folders, one per area. Writes go to a partial file renamed into place when
 * complete (a rename is atomic), so no reader ever sees half a file. Reads resolve symlinks and
 * refuse any that lead out of the area's folder.
 */
export class LocalObjectStorage implements ObjectStorage {
  readonly description: string;

  private readonly roots: Record<StorageArea, string>;

  constructor(roots: Record<StorageArea, string>) {
    this.roots = { uploads: path.resolve(roots.uploads), media: path.resolve(roots.media) };
    this.description = `local folders ${this.roots.uploads} and ${this.roots.media}`;
  }

  async write(area: StorageArea, key: string, body: Readable, signal?: AbortSignal) {
    const target = this.pathOf(area, key);
    await mkdir(path.dirname(target), { recursive: true });
    const partial = `${target}${PARTIAL_MARK}${randomBytes(6).toString('hex')}`;
    try {
      const out = createWriteStream(partial, { flags: 'wx' });
      await pipeline(body, out, { signal });
      await rename(partial, target);
      return out.bytesWritten;
    } catch (error) {
      await rm(partial, { force: true });
      await this.pruneFolder(area, partial);
      throw error;
    }
  }

  async writeFile(area: StorageArea, key: string, file: string): Promise<void> {
    const target = this.pathOf(area, key);
    await mkdir(path.dirname(target), { recursive: true });
    const partial = `${target}${PARTIAL_MARK}${randomBytes(6).toString('hex')}`;
    try {
      // A rename when scratch and storage share a file system, a copy when they do not.
      await rename(file, partial).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EXDEV') throw error;
        await copyFile(file, partial);
      });
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
  }

  /** The stored file itself: nothing is copied on one machine. */
  localCopy(area: StorageArea, key: string): Promise<string> {
    return this.existing(area, key);
  }

  async read(area: StorageArea, key: string, range?: { start: number; end?: number }) {
    const file = await this.existing(area, key);
    const { size } = await stat(file);
    if (!range) return { body: createReadStream(file), size } satisfies ObjectRead;
    if (range.start >= size) throw new RangeNotSatisfiableError(size);
    const end = Math.min(range.end ?? size - 1, size - 1);
    return {
      body: createReadStream(file, { start: range.start, end }),
      size,
      range: { start: range.start, end },
    } satisfies ObjectRead;
  }

  async stat(area: StorageArea, key: string): Promise<StoredObject | undefined> {
    const file = await this.existing(area, key).catch((error: unknown) => {
      if (error instanceof ObjectNotFoundError) return undefined;
      throw error;
    });
    if (!file) return undefined;
    const stats = await stat(file);
    return { key, size: stats.size, modifiedAt: stats.mtime };
  }

  async remove(area: StorageArea, key: string): Promise<void> {
    const file = this.pathOf(area, key);
    await rm(file, { force: true });
    await this.pruneFolder(area, file);
  }

  /** Removes the folder `file` was in, and its parents, while they are empty (a bucket has none). */
  private async pruneFolder(area: StorageArea, file: string): Promise<void> {
    for (let dir = path.dirname(file); dir !== this.roots[area]; dir = path.dirname(dir)) {
      if (!dir.startsWith(this.roots[area] + path.sep)) return;
      // ENOTEMPTY (another file is there) or ENOENT: nothing more to prune.
      if (
        !(await rmdir(dir).then(
          () => true,
          () => false,
        ))
      )
        return;
    }
  }

  async removeFolder(area: StorageArea, folder: string): Promise<number> {
    const dir = this.pathOf(area, folder);
    const count = (await this.walk(dir, '')).length;
    await rm(dir, { recursive: true, force: true });
    return count;
  }

  async list(area: StorageArea, options: { after?: string; limit: number }): Promise<ObjectPage> {
    const keys = await this.walk(this.roots[area], '', options.after, options.limit + 1);
    const page = keys.slice(0, options.limit);
    const objects = await Promise.all(
      page.map(async (key) => {
        const stats = await stat(path.join(this.roots[area], key)).catch(() => undefined);
        return stats ? { key, size: stats.size, modifiedAt: stats.mtime } : undefined;
      }),
    );
    return {
      objects: objects.filter((o): o is StoredObject => o !== undefined),
      next: keys.length > options.limit ? page[page.length - 1] : undefined,
    };
  }

  async ping(): Promise<void> {
    await Promise.all(Object.values(this.roots).map((dir) => mkdir(dir, { recursive: true })));
  }

  private pathOf(area: StorageArea, key: string): string {
    return path.join(this.roots[area], ...safeKey(key).split('/'));
  }

  /** The real path of an existing file inside the area (no symlink leading out). */
  private async existing(area: StorageArea, key: string): Promise<string> {
    const file = this.pathOf(area, key);
    let real: string;
    let root: string;
    try {
      root = await realpath(this.roots[area]);
      real = await realpath(file);
    } catch {
      throw new ObjectNotFoundError(key);
    }
    if (!real.startsWith(root + path.sep))
      throw new UnsafeKeyError(`"${key}" leads outside its folder`);
    if (!(await stat(real)).isFile()) throw new ObjectNotFoundError(key);
    return real;
  }

  /**
   * Keys of the files under `dir` in key order, those after `after` only, `max` at most. Folders
   * sort as `name/`, as their keys do; a folder whose every key sorts before `after` is not read.
   */
  private async walk(dir: string, base: string, after?: string, max = Infinity): Promise<string[]> {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    const sortName = (e: { name: string; isDirectory(): boolean }) =>
      e.isDirectory() ? `${e.name}/` : e.name;
    entries.sort((a, b) => (sortName(a) < sortName(b) ? -1 : 1));
    const keys: string[] = [];
    for (const entry of entries) {
      if (keys.length >= max) break;
      const key = base ? `${base}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (after !== undefined && `${key}/` < after && !after.startsWith(`${key}/`)) continue;
        const inner = await this.walk(path.join(dir, entry.name), key, after, max - keys.length);
        keys.push(...inner);
      } else if (entry.isFile() && (after === undefined || key > after)) keys.push(key);
    }
    return keys;
  }
}
