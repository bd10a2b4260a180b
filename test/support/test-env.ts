import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { AppConfig, loadAppConfig } from '../../src/config/app-config';

export const ROOT = path.resolve(__dirname, '../..');

export type Env = Record<string, string | undefined>;

/** A short unique name for this test's Redis prefix and database. */
export function uniqueName(label: string): string {
  return `t_${label.replace(/[^a-z0-9]/gi, '').slice(0, 16)}_${randomBytes(4).toString('hex')}`;
}

/** The developer's environment: process.env over .env, like the app and the services script read it. */
function baseEnv(): Env {
  const file = path.join(ROOT, '.env');
  const fromFile = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
  return { ...fromFile, ...process.env };
}

export function mongoUriFor(database: string, base = baseEnv().MONGODB_URI): string {
  const url = new URL(base?.trim() || 'mongodb://127.0.0.1:27017/click-api');
  url.pathname = `/${database}`;
  return url.href;
}

/**
 * Environment for one test: its own Redis key prefix and its own database, a throwaway JWT
 * secret, quiet logs. `overrides` win; set a value to undefined to remove it.
 */
export function testEnv(name: string, overrides: Env = {}): Env {
  const env: Env = {
    ...baseEnv(),
    NODE_ENV: 'test',
    JWT_SECRET: randomBytes(32).toString('hex'),
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
    REDIS_PREFIX: name,
    MONGODB_URI: mongoUriFor(name),
    HOST: '127.0.0.1',
    PORT: '0',
    ...overrides,
  };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  return env;
}

export function testConfig(name: string, overrides: Env = {}): AppConfig {
  return loadAppConfig(testEnv(name, overrides));
}
