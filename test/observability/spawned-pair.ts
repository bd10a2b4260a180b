import mongoose from 'mongoose';
import { loadAppConfig } from '../../src/config/app-config';
import { deleteKeysWithPrefix } from '../../src/infra/redis/delete-prefix';
import { AppProcess, spawnApp } from '../support/app-process';
import { Env, testEnv } from '../support/test-env';

/** An API process and a separate worker process on one test's prefix and database. */
export interface SpawnedPair {
  api: AppProcess;
  worker: AppProcess;
  /** Stops both and drops the test's Redis keys and database. */
  dispose: () => Promise<void>;
}

export async function spawnPair(name: string, env: Env): Promise<SpawnedPair> {
  // One environment (the same secrets and keys), two roles.
  const apiEnv = testEnv(name, { ...env, APP_ROLE: 'api' });
  const [api, worker] = await Promise.all([
    spawnApp(apiEnv),
    spawnApp({ ...apiEnv, APP_ROLE: 'worker' }),
  ]);
  const dispose = async () => {
    await Promise.all([api.stop(), worker.stop()]);
    const config = loadAppConfig(apiEnv);
    await deleteKeysWithPrefix(config.redis, config.redisPrefix);
    const connection = await mongoose.createConnection(config.mongo.uri).asPromise();
    await connection.dropDatabase();
    await connection.close();
  };
  return { api, worker, dispose };
}

/** POST/GET JSON against a spawned app. */
export async function callJson(
  app: AppProcess,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(`${app.url}/api${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json().catch(() => ({}))) as Record<string, unknown>,
  };
}
