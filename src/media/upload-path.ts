import {
  ObjectNotFoundError,
  type ObjectStorage,
  safeKey,
  UnsafeKeyError,
} from '../integrations/storage/object-storage';

/** A videoPath that is not a file inside the upload area. */
export class UnsafeUploadPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeUploadPathError';
  }
}

/** `relative` as a key of the upload area, or the reason it cannot be one. */
export function uploadKey(relative: string): string {
  if (
    !relative ||
    relative.startsWith('/') ||
    relative.includes('\0') ||
    /^[A-Za-z]:/.test(relative)
  )
    throw new UnsafeUploadPathError('videoPath must be a relative path inside the upload folder');
  if (relative.split(/[\\/]+/).includes('..'))
    throw new UnsafeUploadPathError('videoPath must not contain ".." segments');
  try {
    return safeKey(relative);
  } catch (error) {
    throw new UnsafeUploadPathError(`videoPath: ${(error as Error).message}`);
  }
}

/** The storage's refusal of an upload key, said in the videoPath's terms. */
export function asUploadPathError(relative: string) {
  return (error: unknown): never => {
    if (error instanceof ObjectNotFoundError)
      throw new UnsafeUploadPathError(`videoPath "${relative}" is not a file in the upload folder`);
    if (error instanceof UnsafeKeyError)
      throw new UnsafeUploadPathError('videoPath leads outside the upload folder');
    throw error;
  };
}

/** Resolves when `relative` names a stored upload; UnsafeUploadPathError says why not. */
export async function checkUpload(storage: ObjectStorage, relative: string): Promise<void> {
  const found = await storage
    .stat('uploads', uploadKey(relative))
    .catch(asUploadPathError(relative));
  if (!found) asUploadPathError(relative)(new ObjectNotFoundError(relative));
}
