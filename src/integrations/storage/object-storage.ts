import type { Readable } from 'node:stream';

export const OBJECT_STORAGE = Symbol('OBJECT_STORAGE');

/**
 * The two places files live: what users upload, and what the pipeline makes of it (one folder per
 * content item). Local storage maps each to a folder of its own (UPLOAD_DIR, MEDIA_DIR); object
 * storage to `<prefix>uploads/` and `<prefix>media/` in the bucket.
 */
export type StorageArea = 'uploads' | 'media';

export interface StoredObject {
  /** Relative to its area, '/'-separated: `imports/clip.mp4`, `<contentId>/thumbnail.jpg`. */
  key: string;
  size: number;
  modifiedAt: Date;
}

/** An object's bytes (or the asked range of them) on their way out. */
export interface ObjectRead {
  body: Readable;
  /** The whole object's size. */
  size: number;
  /** The bytes `body` carries, inclusive; absent when it is the whole object. */
  range?: { start: number; end: number };
}

export interface ObjectPage {
  objects: StoredObject[];
  /** Pass back as `after` for the next page; absent on the last. */
  next?: string;
}

/** Storage cannot be reached, or answered with a fault: a later try may succeed. */
export class StorageUnavailableError extends Error {
  constructor(reason: string) {
    super(`file storage is unavailable: ${reason}`);
    this.name = 'StorageUnavailableError';
  }
}

/** The object does not exist (or the key names nothing an area may hold). */
export class ObjectNotFoundError extends Error {
  constructor(key: string) {
    super(`"${key}" is not stored`);
    this.name = 'ObjectNotFoundError';
  }
}

/** A key that could escape its area or is not a plain relative path. */
export class UnsafeKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeKeyError';
  }
}

/** A range the object cannot serve (starts past its end). */
export class RangeNotSatisfiableError extends Error {
  constructor(readonly size: number) {
    super(`range not satisfiable (the object has ${size} bytes)`);
    this.name = 'RangeNotSatisfiableError';
  }
}

/**
 * Files, wherever they live. Every write is all or nothing: an object is visible only once all
 * of it is stored (a failed or aborted write leaves none). Keys are checked by `safeKey`.
 */
export interface ObjectStorage {
  /** Where files go, without secrets (logs, health). */
  readonly description: string;
  /** Streams `body` into `key`; resolves with the bytes stored. */
  write(area: StorageArea, key: string, body: Readable, signal?: AbortSignal): Promise<number>;
  /** Stores a local file under `key`. */
  writeFile(area: StorageArea, key: string, file: string, signal?: AbortSignal): Promise<void>;
  /**
   * A local file with the object's bytes, for tools that need a path (ffmpeg): on local storage
   * the stored file itself (never write to it), otherwise a copy downloaded into `dir`.
   */
  localCopy(area: StorageArea, key: string, dir: string, signal?: AbortSignal): Promise<string>;
  /** The object's bytes, or `range` of them (inclusive; `end` past the object is clipped). */
  read(
    area: StorageArea,
    key: string,
    range?: { start: number; end?: number },
  ): Promise<ObjectRead>;
  /** Its size and time, or undefined when there is no such object. */
  stat(area: StorageArea, key: string): Promise<StoredObject | undefined>;
  /** Removes one object; nothing happens when there is none. */
  remove(area: StorageArea, key: string): Promise<void>;
  /** Removes every object under `folder/`; counts them. */
  removeFolder(area: StorageArea, folder: string): Promise<number>;
  /** Objects in key order, `limit` at most, after the key `after` (paging). */
  list(area: StorageArea, options: { after?: string; limit: number }): Promise<ObjectPage>;
  /** Resolves when storage answers (readiness). */
  ping(): Promise<void>;
}

/**
 * `key` as stored: relative, '/'-separated, no empty, `.` or `..` segment, no backslash or NUL.
 * What a user may name (videoPath) passes through here before any storage sees it.
 */
export function safeKey(key: string): string {
  if (typeof key !== 'string' || key === '' || key.length > 1024)
    throw new UnsafeKeyError('the path must be 1 to 1024 characters');
  if (key.includes('\0') || key.includes('\\'))
    throw new UnsafeKeyError('the path must not contain backslashes or NUL');
  if (key.startsWith('/')) throw new UnsafeKeyError('the path must be relative');
  const parts = key.split('/');
  if (parts.includes('..')) throw new UnsafeKeyError('the path must not contain ".." segments');
  if (parts.some((part) => part === '' || part === '.'))
    throw new UnsafeKeyError('the path must not contain empty or "." segments');
  return key;
}
