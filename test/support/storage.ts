import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  OBJECT_STORAGE,
  type ObjectStorage,
  type StorageArea,
} from '../../src/integrations/storage/object-storage';
import type { TestApp } from './test-app';
import { Env, ROOT } from './test-env';

/** The bucket every test shares; each test app keeps its files under a prefix of its own. */
export const TEST_BUCKET = 'click-test';

/** The S3 server `scripts/services.js up --s3` started (or found), as it wrote it down. */
export function devS3(): { endpoint: string; accessKeyId: string; secretAccessKey: string } {
  const file = path.join(ROOT, '.data', 's3-dev.json');
  if (!existsSync(file))
    throw new Error(
      'no S3 server for tests: run `bash scripts/services.sh up --s3` (npm test does)',
    );
  return JSON.parse(readFileSync(file, 'utf8')) as ReturnType<typeof devS3>;
}

/** Settings for an app whose files go to the test S3 server, under `name/`. */
export function s3StorageEnv(name: string, server = devS3()): Env {
  return {
    STORAGE_URL: `s3://${TEST_BUCKET}/${name}`,
    S3_ENDPOINT: server.endpoint,
    S3_ACCESS_KEY_ID: server.accessKeyId,
    S3_SECRET_ACCESS_KEY: server.secretAccessKey,
    S3_CREATE_BUCKET: 'true',
  };
}

/** Both storages, for `describe.each`: local folders (the default) and the S3 server. */
export const STORAGE_KINDS = ['local', 's3'] as const;
export type StorageKind = (typeof STORAGE_KINDS)[number];

export function storageEnv(kind: StorageKind, name: string): Env {
  return kind === 's3' ? s3StorageEnv(name) : {};
}

/** Every key stored in `area` (all pages). */
export async function storedKeys(app: TestApp, area: StorageArea): Promise<string[]> {
  const storage = app.get<ObjectStorage>(OBJECT_STORAGE);
  const keys: string[] = [];
  for (let after: string | undefined; ;) {
    const page = await storage.list(area, { after, limit: 1000 });
    keys.push(...page.objects.map((o) => o.key));
    if (!page.next) return keys;
    after = page.next;
  }
}

/** Removes what the test app stored (its prefix in the bucket, or its local folders). */
export async function dropStoredFiles(app: TestApp): Promise<void> {
  const storage = app.get<ObjectStorage>(OBJECT_STORAGE);
  for (const area of ['uploads', 'media'] as const)
    for (const key of await storedKeys(app, area)) await storage.remove(area, key);
}
