import { BadRequestException } from '@nestjs/common';
import type { Request } from 'express';
import { randomBytes } from 'node:crypto';
import { PassThrough, pipeline, Readable } from 'node:stream';
import { diskStorage, StorageEngine } from 'multer';
import { HEAD_BYTES, judgeUpload } from './video-signature';

type StoredFile = Express.Multer.File;
type Done = (error?: unknown, info?: Partial<StoredFile>) => void;

/**
 * Multer's disk storage, behind a look at the file's first bytes: a file that is no video is
 * refused (400, saying why) before anything reaches the disk, and one that is gets a random
 * name with a video extension (nothing of the client's name reaches the file system).
 */
export class VideoUploadStorage implements StorageEngine {
  private readonly extensions = new WeakMap<object, string>();
  private readonly disk: StorageEngine;

  constructor(dir: string) {
    this.disk = diskStorage({
      destination: dir,
      filename: (_req, file, done) =>
        done(null, `${randomBytes(12).toString('hex')}${this.extensions.get(file) ?? ''}`),
    });
  }

  _handleFile(req: Request, file: StoredFile, done: Done): void {
    readHead(file.stream, HEAD_BYTES).then(
      ({ head, ended }) => {
        const verdict = judgeUpload(file, head.subarray(0, HEAD_BYTES));
        if ('refusal' in verdict) {
          file.stream.resume();
          return done(new BadRequestException([verdict.refusal]));
        }
        this.extensions.set(file, verdict.extension);
        // The bytes read go first, then the rest of the part as it arrives.
        const rest = new PassThrough();
        rest.write(head);
        if (ended) rest.end();
        else pipeline(file.stream, rest, () => undefined);
        Object.defineProperty(file, 'stream', { configurable: true, value: rest });
        this.disk._handleFile(req, file, done);
      },
      (error: unknown) => done(error),
    );
  }

  _removeFile(req: Request, file: StoredFile, done: (error: Error | null) => void): void {
    this.disk._removeFile(req, file, done);
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
