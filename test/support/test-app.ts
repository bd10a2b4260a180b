import type { INestApplication, Type } from '@nestjs/common';
import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { createApp } from '../../src/bootstrap';
import type { AppConfig } from '../../src/config/app-config';
import { deleteKeysWithPrefix } from '../../src/infra/redis/delete-prefix';
import type { ConnectionOptions } from 'bullmq';
import {
  bullConnection,
  createRedisClient,
  masters,
  scanKeys,
  type RedisClient,
} from '../../src/infra/redis/redis-client';
import { dropStoredFiles } from './storage';
import { Env, testConfig } from './test-env';

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  get: INestApplication['get'];
  close(): Promise<void>;
}

/** The real app, in this process, against the real Redis and MongoDB-wire server. */
export async function startTestApp(
  name: string,
  overrides: Env = {},
  options: { listen?: boolean; extraModules?: Type<unknown>[] } = {},
): Promise<TestApp> {
  const config = testConfig(name, overrides);
  const app = await createApp(config, {
    logLevel: 'error',
    shutdownHooks: false,
    extraModules: options.extraModules,
  });
  if (options.listen) await app.listen(0, '127.0.0.1');
  else await app.init();
  return { app, config, get: app.get.bind(app), close: () => app.close() };
}

/** Deletes every Redis key under the test's prefix and drops its database. */
export async function dropTestData(testApp: TestApp): Promise<void> {
  const connection = testApp.get<Connection>(getConnectionToken());
  await connection.dropDatabase();
  await deleteRedisPrefix(testApp.config);
  // Local files live in the test's own DATA_DIR, which the test removes; a bucket is shared.
  if (testApp.config.storage.kind === 's3') await dropStoredFiles(testApp);
}

export function deleteRedisPrefix(config: AppConfig): Promise<void> {
  return deleteKeysWithPrefix(config.redis, config.redisPrefix);
}

/** A client of the test's Redis (one node or the cluster); the caller disconnects it. */
export function testRedis(config: AppConfig): RedisClient {
  const client = createRedisClient(config.redis, { name: 'click-api:test', patience: 'patient' });
  client.on('error', () => undefined); // commands are retried; a test sees their failures
  return client;
}

/**
 * A BullMQ connection for a test's own Queue or Worker (BullMQ builds the client, or on a Cluster
 * is handed one); `release` closes a client made for it.
 */
export function testBullConnection(config: AppConfig): {
  connection: ConnectionOptions;
  release(): void;
} {
  const made: RedisClient[] = [];
  const connection = bullConnection(
    config.redis,
    { name: 'click-api:test', patience: 'patient' },
    (client) => {
      client.on('error', () => undefined); // BullMQ's commands retry; the test sees failures
      made.push(client);
    },
  );
  return { connection, release: () => made.forEach((client) => client.disconnect()) };
}

/** The keys matching `pattern` on every master (KEYS on a Cluster would ask one node). */
export async function keysMatching(redis: RedisClient, pattern: string): Promise<string[]> {
  const found: string[] = [];
  for (const node of await masters(redis))
    for await (const keys of scanKeys(node, pattern)) found.push(...keys);
  return found;
}

/** Polls `check` until it returns a value (not undefined, null or false), or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `${what} not met within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}
