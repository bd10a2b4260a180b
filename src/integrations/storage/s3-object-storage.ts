import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3StorageConfig } from '../../config/storage-config';
import {
  ObjectNotFoundError,
  type ObjectPage,
  type ObjectRead,
  type ObjectStorage,
  RangeNotSatisfiableError,
  safeKey,
  type StorageArea,
  type StoredObject,
  StorageUnavailableError,
} from './object-storage';

/** S3's most keys per DeleteObjects and per ListObjectsV2 page. */
const S3_BATCH = 1000;

/**
 * S3-compatible object storage through the AWS SDK v3. Uploads go through lib-storage's
 * multipart `Upload` (parts of `partBytes`, two in flight: memory stays bounded whatever the
 * size; an object appears only when the upload completes). Failures become the port's errors:
 * no such key → ObjectNotFoundError; unreachable, a fault or a refusal → StorageUnavailableError.
 */
export class S3ObjectStorage implements ObjectStorage {
  readonly description: string;
  private readonly client: S3Client;

  constructor(private readonly config: S3StorageConfig) {
    this.description = config.display;
    this.client = new S3Client({
      region: config.region,
      endpoint: config.endpoint,
      forcePathStyle: config.forcePathStyle,
      credentials: config.credentials,
      maxAttempts: 3,
      // Unreachable storage is told in seconds (a 503), not after the OS's connect timeout.
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000 },
      // Checksums only where S3 requires one: some S3-compatible servers were reported to refuse
      // the SDK's default aws-chunked CRC32 uploads (SeaweedFS takes both).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async write(area: StorageArea, key: string, body: Readable, signal?: AbortSignal) {
    // Counted on the way through (a listener on `body` itself would start it flowing early).
    let size = 0;
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        done(null, chunk);
      },
    });
    pipeline(body, counted).catch(() => undefined);
    await this.upload(area, key, counted, signal);
    return size;
  }

  async writeFile(area: StorageArea, key: string, file: string, signal?: AbortSignal) {
    await this.upload(area, key, createReadStream(file), signal);
  }

  async localCopy(area: StorageArea, key: string, dir: string, signal?: AbortSignal) {
    const file = path.join(dir, `stored-${path.basename(key)}`);
    const { body } = await this.read(area, key);
    try {
      await pipeline(body, createWriteStream(file), { signal });
    } catch (error) {
      await rm(file, { force: true });
      throw this.failure(error, key);
    }
    return file;
  }

  async read(area: StorageArea, key: string, range?: { start: number; end?: number }) {
    const answer = await this.client
      .send(
        new GetObjectCommand({
          Bucket: this.config.bucket,
          Key: this.keyOf(area, key),
          Range: range ? `bytes=${range.start}-${range.end ?? ''}` : undefined,
        }),
      )
      .catch((error: unknown) => {
        if (statusOf(error) === 416) throw new RangeNotSatisfiableError(totalOf(error));
        throw this.failure(error, key);
      });
    const body = answer.Body as Readable;
    const contentRange = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(answer.ContentRange ?? '');
    if (range && contentRange)
      return {
        body,
        size: Number(contentRange[3]),
        range: { start: Number(contentRange[1]), end: Number(contentRange[2]) },
      } satisfies ObjectRead;
    return { body, size: answer.ContentLength ?? 0 } satisfies ObjectRead;
  }

  async stat(area: StorageArea, key: string): Promise<StoredObject | undefined> {
    try {
      const head = await this.client.send(
        new HeadObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(area, key) }),
      );
      return { key, size: head.ContentLength ?? 0, modifiedAt: head.LastModified ?? new Date(0) };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw this.failure(error, key);
    }
  }

  async remove(area: StorageArea, key: string): Promise<void> {
    await this.client
      .send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(area, key) }))
      .catch((error: unknown) => {
        if (statusOf(error) !== 404) throw this.failure(error, key);
      });
  }

  async removeFolder(area: StorageArea, folder: string): Promise<number> {
    const prefix = `${this.keyOf(area, folder)}/`;
    let removed = 0;
    for (;;) {
      // Always the first page: what was deleted is gone from the listing.
      const page = await this.client
        .send(
          new ListObjectsV2Command({
            Bucket: this.config.bucket,
            Prefix: prefix,
            MaxKeys: S3_BATCH,
          }),
        )
        .catch(this.fail(folder));
      const keys = (page.Contents ?? []).map((object) => ({ Key: object.Key! }));
      if (keys.length === 0) return removed;
      const answer = await this.client
        .send(
          new DeleteObjectsCommand({
            Bucket: this.config.bucket,
            Delete: { Objects: keys, Quiet: true },
          }),
        )
        .catch(this.fail(folder));
      if (answer.Errors?.length)
        throw new StorageUnavailableError(
          `${answer.Errors.length} objects under ${folder}/ not deleted (${answer.Errors[0].Code})`,
        );
      removed += keys.length;
    }
  }

  async list(area: StorageArea, options: { after?: string; limit: number }): Promise<ObjectPage> {
    const base = this.keyOf(area, '');
    const page = await this.client
      .send(
        new ListObjectsV2Command({
          Bucket: this.config.bucket,
          Prefix: base,
          StartAfter: options.after === undefined ? undefined : base + options.after,
          MaxKeys: Math.min(options.limit, S3_BATCH),
        }),
      )
      .catch(this.fail(area));
    const objects = (page.Contents ?? []).map((object) => ({
      key: object.Key!.slice(base.length),
      size: object.Size ?? 0,
      modifiedAt: object.LastModified ?? new Date(0),
    }));
    return { objects, next: page.IsTruncated ? objects[objects.length - 1]?.key : undefined };
  }

  async ping(): Promise<void> {
    await this.client
      .send(new HeadBucketCommand({ Bucket: this.config.bucket }))
      .catch(this.fail(this.config.bucket));
  }

  /** Creates the bucket unless it is there (S3_CREATE_BUCKET: development, self-hosted). */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.config.bucket }));
    } catch (error) {
      if (statusOf(error) !== 404) throw this.failure(error, this.config.bucket);
      await this.client
        .send(new CreateBucketCommand({ Bucket: this.config.bucket }))
        .catch(this.fail(this.config.bucket));
    }
  }

  close(): void {
    this.client.destroy();
  }

  private async upload(area: StorageArea, key: string, body: Readable, signal?: AbortSignal) {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.config.bucket, Key: this.keyOf(area, key), Body: body },
      partSize: this.config.partBytes,
      queueSize: 2,
      // A failed multipart upload is aborted: no parts are left behind to pay for.
      leavePartsOnError: false,
    });
    const abort = () => void upload.abort().catch(() => undefined);
    signal?.addEventListener('abort', abort, { once: true });
    try {
      signal?.throwIfAborted();
      await upload.done();
    } catch (error) {
      throw signal?.aborted ? signal.reason : this.failure(error, key);
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  }

  /** For `.catch`: the SDK's error as the port's. */
  private fail(what: string) {
    return (error: unknown): never => {
      throw this.failure(error, what);
    };
  }

  private keyOf(area: StorageArea, key: string): string {
    return `${this.config.prefix}${area}/${key === '' ? '' : safeKey(key)}`;
  }

  private failure(error: unknown, key: string): Error {
    if (error instanceof ObjectNotFoundError || error instanceof StorageUnavailableError)
      return error;
    const status = statusOf(error);
    if (status === 404 && (error as { name?: string }).name !== 'NoSuchBucket')
      return new ObjectNotFoundError(key);
    // A local file that cannot be read, a bug: not storage's doing, so not "unavailable".
    if (status === undefined && !fromTheNetwork(error)) return error as Error;
    const name = (error as { name?: string }).name ?? 'Error';
    const detail = status ? `${name} (${status})` : `${name}: ${(error as Error).message}`;
    return new StorageUnavailableError(detail);
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** The SDK's own failure (it carries $metadata) or the connection's, as opposed to a local one. */
function fromTheNetwork(error: unknown): boolean {
  const { code, name, $metadata } = error as { code?: string; name?: string; $metadata?: unknown };
  return (
    $metadata !== undefined ||
    NETWORK_CODES.has(code ?? '') ||
    name === 'TimeoutError' ||
    name === 'RequestTimeout'
  );
}

function statusOf(error: unknown): number | undefined {
  if (error instanceof S3ServiceException) return error.$metadata.httpStatusCode;
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/** The object's size from a 416's Content-Range (`bytes * /123`), when the server sent one. */
function totalOf(error: unknown): number {
  const headers = (error as { $response?: { headers?: Record<string, string> } }).$response
    ?.headers;
  return Number(/\/(\d+)$/.exec(headers?.['content-range'] ?? '')?.[1] ?? 0);
}
