import { BadRequestException } from '@nestjs/common';
import type { Request } from 'express';
import { Types } from 'mongoose';
import { PassThrough, pipeline, Readable } from 'node:stream';
import type { StorageEngine } from 'multer';
import type { ObjectStorage } from '../integrations/storage/object-storage';
import { uploadName } from '../media/stored-names';
import { HEAD_BYTES, judgeUpload } from './video-signature';

type StoredFile = Express.Multer.File;
type Done = (error?: unknown, info?: Partial<StoredFile>) => void;

/**
 * Multer storage streaming each upload into the file storage, behind a look at its first bytes:
 * a file that is no video is refused (400, saying why) before anything is stored, and one that
 * is gets a name of our own (`<content id>/upload<video extension>`: nothing of the client's
 * name reaches storage). Nothing is buffered whole: the bytes flow from the request into
 * storage, which makes the object visible only once complete. A part cut off by the size limit
 * or a client that goes away aborts the write, so nothing of it is left.
 */
export class VideoUploadStorage implements StorageEngine {
  constructor(private readonly storage: ObjectStorage) {}

  _handleFile(req: Request, file: StoredFile, done: Done): void {
    const abort = new AbortController();
    // busboy cuts a part at the size limit; multer then answers 413 and removes what was stored.
    file.stream.once('limit', () => abort.abort(new Error('the file is larger than allowed')));
    // 'close' also comes after a request read to its end; only an incomplete one was abandoned.
    req.once('close', () => {
      if (!req.complete) abort.abort(new Error('the client went away'));
    });
    readHead(file.stream, HEAD_BYTES).then(
      ({ head, ended }) => {
        const verdict = judgeUpload(file, head.subarray(0, HEAD_BYTES));
        if ('refusal' in verdict) {
          file.stream.resume();
          return done(new BadRequestException([verdict.refusal]));
        }
        const name = uploadName(new Types.ObjectId().toHexString(), verdict.extension);
        // The bytes read go first, then the rest of the part as it arrives.
        const rest = new PassThrough();
        rest.write(head);
        if (ended) rest.end();
        else pipeline(file.stream, rest, () => undefined);
        this.storage.write('uploads', name, rest, abort.signal).then(
          (size) => done(null, { filename: name, size }),
          (error: unknown) => done(error),
        );
      },
      (error: unknown) => done(error),
    );
  }

  _removeFile(_req: Request, file: StoredFile, done: (error: Error | null) => void): void {
    if (!file.filename) return done(null);
    this.storage.remove('uploads', file.filename).then(
      () => done(null),
      (error: Error) => done(error),
    );
  }
}

/** Up to `size` bytes from the start of the stream, and whether that was all of it. */
function readHead(stream: Readable, size: number): Promise<{ head: Buffer; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const finish = (ended: boolean) => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onError);
      resolve({ head: Buffer.concat(chunks), ended });
    };
    const onReadable = () => {
      for (let chunk: Buffer | null; length < size && (chunk = stream.read() as Buffer | null);) {
        chunks.push(chunk);
        length += chunk.length;
      }
      if (length >= size) finish(false);
    };
    const onEnd = () => finish(true);
    const onError = (error: Error) => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      reject(error);
    };
    stream.on('readable', onReadable);
    stream.once('end', onEnd);
    stream.once('error', onError);
  });
}
