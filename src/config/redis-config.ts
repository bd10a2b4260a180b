import { ConfigError } from './config-error';
import { EnvReader, redactUrl } from './env-reader';

export interface RedisConfig {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  tls: boolean;
  /** host:port/db for logs and errors; never holds the password. */
  display: string;
}

/**
 * Redis comes either from REDIS_URL or from REDIS_HOST / REDIS_PORT / REDIS_PASSWORD.
 * When REDIS_URL is set it wins, as in the seed guide's "Option 1".
 */
export function readRedisConfig(env: EnvReader): RedisConfig {
  if (env.has('REDIS_URL')) {
    const url = env.url('REDIS_URL', ['redis', 'rediss']);
    const port = url.port === '' ? 6379 : Number(url.port);
    const dbPath = url.pathname.replace(/^\//, '');
    if (dbPath !== '' && !/^\d+$/.test(dbPath)) {
      throw new ConfigError(
        'REDIS_URL',
        'must name a numeric database after the host',
        redactUrl(url.href),
      );
    }
    const db = dbPath === '' ? 0 : Number(dbPath);
    return {
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port,
      username: url.username ? decodeURIComponent(url.username) : undefined,
      password: url.password ? decodeURIComponent(url.password) : undefined,
      db,
      tls: url.protocol === 'rediss:',
      display: `${url.hostname}:${port}/${db}`,
    };
  }
  const host = env.string('REDIS_HOST', '127.0.0.1');
  const port = env.int('REDIS_PORT', 6379, 1, 65535);
  const db = env.int('REDIS_DB', 0, 0, 15);
  return {
    host,
    port,
    password: env.optionalString('REDIS_PASSWORD'),
    db,
    tls: env.boolean('REDIS_TLS', false),
    display: `${host}:${port}/${db}`,
  };
}
