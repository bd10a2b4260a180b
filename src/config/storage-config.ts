import { ConfigError } from './config-error';
import { EnvReader } from './env-reader';

/** Local folders: the embedded default, one machine (or a volume every process shares). */
export interface LocalStorageConfig {
  kind: 'local';
  uploadDir: string;
  mediaDir: string;
}

/** S3-compatible object storage (AWS S3, Cloudflare R2, GCS interop, SeaweedFS…). */
export interface S3StorageConfig {
  kind: 's3';
  bucket: string;
  /** Prepended to every key ('' or ending in '/'), so several deployments can share a bucket. */
  prefix: string;
  /** Absent: AWS's own endpoint for the region. */
  endpoint?: string;
  region: string;
  /** bucket in the path (self-hosted servers) rather than in the host name (AWS's default). */
  forcePathStyle: boolean;
  /** Absent: the AWS SDK's default chain (AWS_ACCESS_KEY_ID…, profiles, instance roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Create the bucket at start-up when it is missing (development, self-hosted servers). */
  createBucket: boolean;
  /** Bytes per part of a multipart upload (S3's minimum is 5 MiB). */
  partBytes: number;
  /** The target without secrets, for logs and health. */
  display: string;
}

/** The nightly sweep of objects no content names (both kinds of storage). */
export interface StorageSweepConfig {
  /** Objects looked at per run at most; the next run goes on where this one stopped. */
  maxObjects: number;
  /** Younger objects are never removed (an upload whose content is being created, say). */
  minAgeMs: number;
}

export type StorageConfig = (LocalStorageConfig | S3StorageConfig) & { sweep: StorageSweepConfig };

/** `s3://<bucket>/<prefix>`: a bucket name as S3 allows it (3–63 of a-z 0-9 . -). */
const S3_URL = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/;

export function readStorageConfig(
  env: EnvReader,
  local: { uploadDir: string; mediaDir: string },
): StorageConfig {
  const sweep = {
    maxObjects: env.int('STORAGE_SWEEP_MAX_OBJECTS', 10_000, 1, 1_000_000),
    minAgeMs: env.int('STORAGE_SWEEP_MIN_AGE_HOURS', 24, 0) * 3_600_000,
  };
  const url = env.optionalString('STORAGE_URL');
  if (url === undefined) return { kind: 'local', ...local, sweep };
  const match = S3_URL.exec(url);
  if (!match) throw new ConfigError('STORAGE_URL', 'must be s3://<bucket>/<optional prefix>', url);
  const prefix = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((part) => part === '..' || part === '.'))
    throw new ConfigError('STORAGE_URL', 'must not have . or .. segments in its prefix', url);
  const endpoint = env.optionalUrl('S3_ENDPOINT', ['http', 'https'])?.href.replace(/\/$/, '');
  const accessKeyId = env.optionalString('S3_ACCESS_KEY_ID');
  const secretAccessKey = env.optionalString('S3_SECRET_ACCESS_KEY');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined))
    throw new ConfigError(
      accessKeyId === undefined ? 'S3_ACCESS_KEY_ID' : 'S3_SECRET_ACCESS_KEY',
      'must be set together with the other of S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY',
    );
  return {
    kind: 's3',
    sweep,
    bucket: match[1],
    prefix: prefix ? `${prefix}/` : '',
    endpoint,
    region: env.string('S3_REGION', 'us-east-1'),
    // Self-hosted servers rarely have a DNS name per bucket; AWS prefers virtual hosts.
    forcePathStyle: env.boolean('S3_FORCE_PATH_STYLE', endpoint !== undefined),
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
    createBucket: env.boolean('S3_CREATE_BUCKET', false),
    partBytes: env.int('S3_PART_BYTES', 8 * 1024 * 1024, 5 * 1024 * 1024),
    display: `s3://${match[1]}/${prefix}${endpoint ? ` at ${endpoint}` : ''}`,
  };
}
