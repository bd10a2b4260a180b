import path from 'node:path';
import { ConfigError } from './config-error';
import { EnvReader } from './env-reader';

export interface ApiConfig {
  /** The first admin, created at start-up when missing. */
  admin?: { email: string; password: string };
  /** Waiting + delayed + active jobs one user may have across all queues. */
  userMaxPendingJobs: number;
  /** Requests per user (or IP when anonymous) per window. */
  throttle: { limit: number; ttlMs: number };
  /** Largest JSON body accepted; larger is 413. */
  bodyLimitBytes: number;
  uploads: { dir: string; maxBytes: number };
  /** The admin dashboard raises an alert when a queue passes either. */
  alerts: { backlog: number; oldestWaitingMs: number };
  /** Browser origins allowed to call the API and open sockets from another site; empty: none. */
  corsOrigins: string[];
  /** Jobs one admin search page looks at, at most, for the filters no listing serves. */
  searchWindow: number;
  /** How often the start estimates of jobs watched over a socket are looked at again. */
  etaCheckIntervalMs: number;
}

function origins(env: EnvReader, name: string): string[] {
  const value = env.optionalString(name);
  if (!value) return [];
  return value.split(',').map((entry) => {
    const origin = entry.trim();
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    if (!url || !['http:', 'https:'].includes(url.protocol) || url.origin !== origin)
      throw new ConfigError(
        name,
        'must be origins such as https://app.example.com, comma-separated',
        origin,
      );
    return origin;
  });
}

export function readApiConfig(env: EnvReader, dataDir: string): ApiConfig {
  const email = env.optionalString('ADMIN_EMAIL');
  const password = env.optionalString('ADMIN_PASSWORD');
  if ((email === undefined) !== (password === undefined)) {
    throw new ConfigError(
      email ? 'ADMIN_PASSWORD' : 'ADMIN_EMAIL',
      'must be set together with the other (ADMIN_EMAIL, ADMIN_PASSWORD)',
    );
  }
  if (email !== undefined && !/^[^\s@]+@[^\s@]+$/.test(email))
    throw new ConfigError('ADMIN_EMAIL', 'must be an email address', email);
  if (password !== undefined && password.length < 8)
    throw new ConfigError('ADMIN_PASSWORD', 'must be at least 8 characters long');
  return {
    admin: email && password ? { email, password } : undefined,
    userMaxPendingJobs: env.int('USER_MAX_PENDING_JOBS', 100, 1),
    throttle: {
      limit: env.int('THROTTLE_LIMIT', 300, 1),
      ttlMs: env.int('THROTTLE_TTL_MS', 60_000, 1000),
    },
    bodyLimitBytes: env.int('BODY_LIMIT_BYTES', 100_000, 1000),
    uploads: {
      dir: path.resolve(env.string('UPLOAD_DIR', path.join(dataDir, 'uploads'))),
      maxBytes: env.int('UPLOAD_MAX_BYTES', 500 * 1024 * 1024, 1),
    },
    alerts: {
      backlog: env.int('QUEUE_ALERT_BACKLOG', 1000, 1),
      oldestWaitingMs: env.int('QUEUE_ALERT_OLDEST_WAITING_MS', 15 * 60_000, 1000),
    },
    corsOrigins: origins(env, 'CORS_ORIGINS'),
    searchWindow: env.int('SEARCH_WINDOW', 10_000, 100, 1_000_000),
    etaCheckIntervalMs: env.int('JOB_ETA_CHECK_INTERVAL_MS', 15_000, 100, 600_000),
  };
}
