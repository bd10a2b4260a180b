/**
 * The real app, in the bench's process, as scale.ts and enqueue.ts drive it: an API-role config
 * with throttling and the pending-jobs quota out of reach, an ephemeral loopback port, the
 * derived Redis indexes rebuilt on demand after a bulk seed, and logins.
 */
import type { INestApplication } from '@nestjs/common';
import { getConnectionToken } from '@nestjs/mongoose';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Connection } from 'mongoose';
import { createApp } from '../src/bootstrap';
import type { AppConfig } from '../src/config/app-config';
import { DerivedIndexes } from '../src/infra/derived-index/derived-indexes.service';
import { benchConfig, expectStatus, LoopbackClient } from './support';

export const ADMIN_EMAIL = 'bench-admin@example.com';

export function apiConfig(prefix: string, adminPassword: string): AppConfig {
  return benchConfig(prefix, 'api', {
    ADMIN_EMAIL,
    ADMIN_PASSWORD: adminPassword,
    THROTTLE_LIMIT: '1000000000',
    USER_MAX_PENDING_JOBS: '1000000',
    // The periodic index check (one GET and one _id read) stays out of the timed calls.
    JOB_RECONCILE_INTERVAL_MS: '3600000',
  });
}

/** Starts the app on an ephemeral loopback port. */
export async function startApp(
  config: AppConfig,
): Promise<{ app: INestApplication; port: number }> {
  const app = await createApp(config, { logLevel: 'warn', shutdownHooks: false });
  await app.listen(0, '127.0.0.1');
  const port = ((app.getHttpServer() as Server).address() as AddressInfo).port;
  return { app, port };
}

/**
 * Makes the app derive its Redis indexes from what was seeded: forgets the epochs kept in
 * MongoDB, so DerivedIndexes.verify() finds them mismatched and rebuilds every index (what a
 * start on data written by an older version does).
 */
export async function rebuildDerivedIndexes(app: INestApplication): Promise<string> {
  let indexes: DerivedIndexes;
  try {
    indexes = app.get(DerivedIndexes, { strict: false });
  } catch {
    return 'the app has no DerivedIndexes provider: nothing rebuilt';
  }
  await app.get<Connection>(getConnectionToken()).collection('derived_index_epochs').deleteMany({});
  const started = performance.now();
  for (;;) {
    const outcome = await indexes.verify();
    // 'busy': another check (the start-up one) holds the lease; ask again once it is done.
    if (!Object.values(outcome).includes('busy')) {
      const names = Object.entries(outcome).map(([name, result]) => `${name} ${result}`);
      return `${names.join(', ') || 'no index registered'} in ${((performance.now() - started) / 1000).toFixed(1)} s`;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function login(
  client: LoopbackClient,
  email: string,
  password: string,
): Promise<string> {
  const answer = expectStatus(
    await client.request('POST', '/api/auth/login', { body: { email, password } }),
    200,
    `login ${email}`,
  );
  return (answer.body as { accessToken: string }).accessToken;
}
