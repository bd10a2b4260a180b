import { ConfigError } from './config-error';
import { EnvReader } from './env-reader';
import { readStorageConfig } from './storage-config';

const LOCAL = { uploadDir: '/data/uploads', mediaDir: '/data/media' };
const read = (env: Record<string, string>) => readStorageConfig(new EnvReader(env), LOCAL);

describe('readStorageConfig', () => {
  it('is the local folders without STORAGE_URL', () => {
    expect(read({})).toMatchObject({ kind: 'local', ...LOCAL, sweep: { maxObjects: 10_000 } });
  });

  it('reads bucket, prefix, endpoint and credentials; path-style follows the endpoint', () => {
    const s3 = read({
      STORAGE_URL: 's3://media.example/click/prod/',
      S3_ENDPOINT: 'http://10.0.0.5:8333/',
      S3_ACCESS_KEY_ID: 'AKIA',
      S3_SECRET_ACCESS_KEY: 'very-secret-value',
    });
    expect(s3).toMatchObject({
      kind: 's3',
      bucket: 'media.example',
      prefix: 'click/prod/',
      endpoint: 'http://10.0.0.5:8333',
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIA', secretAccessKey: 'very-secret-value' },
    });
    expect(JSON.stringify(s3.kind === 's3' && s3.display)).not.toContain('secret');
    expect(read({ STORAGE_URL: 's3://bucket' })).toMatchObject({
      prefix: '',
      forcePathStyle: false,
      credentials: undefined,
    });
  });

  it.each([
    [{ STORAGE_URL: 'https://bucket/x' }, 'STORAGE_URL must be s3://<bucket>/<optional prefix>'],
    [{ STORAGE_URL: 's3://Bad_Bucket' }, 'STORAGE_URL must be s3://<bucket>/<optional prefix>'],
    [{ STORAGE_URL: 's3://bucket/a/../b' }, 'STORAGE_URL must not have . or .. segments'],
    [{ STORAGE_URL: 's3://bucket', S3_ENDPOINT: 'ftp://x' }, 'S3_ENDPOINT must use'],
    [{ STORAGE_URL: 's3://bucket', S3_PART_BYTES: '1024' }, 'S3_PART_BYTES must be'],
  ])('refuses %j', (env, message) => {
    expect(() => read(env)).toThrow(ConfigError);
    expect(() => read(env)).toThrow(message);
  });
});
