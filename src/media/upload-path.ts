import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** A videoPath that is not a file inside the upload folder. */
export class UnsafeUploadPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeUploadPathError';
  }
}

/**
 * The real path of `relative` inside the upload folder `root`, checked twice: as written (no
 * absolute path, no `..` segment) and as the file system resolves it (no symlink leading out).
 */
export async function resolveUpload(root: string, relative: string): Promise<string> {
  if (!relative || path.isAbsolute(relative) || relative.includes('\0'))
    throw new UnsafeUploadPathError('videoPath must be a relative path inside the upload folder');
  if (relative.split(/[\\/]+/).includes('..'))
    throw new UnsafeUploadPathError('videoPath must not contain ".." segments');
  let real: string;
  let realRoot: string;
  try {
    realRoot = await realpath(root);
    real = await realpath(path.resolve(root, relative));
  } catch {
    throw new UnsafeUploadPathError(`videoPath "${relative}" is not a file in the upload folder`);
  }
  if (!real.startsWith(realRoot + path.sep))
    throw new UnsafeUploadPathError('videoPath leads outside the upload folder');
  if (!(await stat(real)).isFile())
    throw new UnsafeUploadPathError(`videoPath "${relative}" is not a file in the upload folder`);
  return real;
}
