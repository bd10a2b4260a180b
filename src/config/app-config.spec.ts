import { loadAppConfig } from './app-config';
import { ConfigError } from './config-error';

const SECRET = 'x'.repeat(32);
const KEY = 'ab'.repeat(32);

function load(env: Record<string, string | undefined>) {
  return loadAppConfig({ JWT_SECRET: SECRET, TOKEN_ENCRYPTION_KEY: KEY, ...env });
}

function errorOf(env: Record<string, string | undefined>): string {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadAppConfig', () => {
  it('runs on embedded defaults with only a JWT secret', () => {
    const config = load({});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      role: 'all',
      redis: { host: '127.0.0.1', port: 6379, db: 0, tls: false },
      mongo: { uri: 'mongodb://127.0.0.1:27017/click-api' },
      redisPrefix: 'click',
    });
  });

  it('reads Redis from REDIS_URL, password and database included', () => {
    const config = load({
      REDIS_URL: 'rediss://user:p%40ss@cache.internal:6390/2',
      REDIS_HOST: 'ignored',
    });
    expect(config.redis).toMatchObject({
      host: 'cache.internal',
      port: 6390,
      username: 'user',
      password: 'p@ss',
      db: 2,
      tls: true,
    });
    expect(config.redis.display).not.toContain('p@ss');
  });

  it('reads Redis from REDIS_HOST / REDIS_PORT / REDIS_PASSWORD', () => {
    const config = load({ REDIS_HOST: 'redis', REDIS_PORT: '6380', REDIS_PASSWORD: 'secret' });
    expect(config.redis).toMatchObject({ host: 'redis', port: 6380, password: 'secret', db: 0 });
  });

  it('treats empty values as unset', () => {
    expect(load({ REDIS_URL: '', PORT: ' ' }).port).toBe(3000);
  });

  it.each([
    [{ REDIS_PORT: 'abc' }, 'REDIS_PORT must be an integer from 1 to 65535 (got "abc")'],
    [{ REDIS_PORT: '70000' }, 'REDIS_PORT must be an integer from 1 to 65535 (got "70000")'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL must use redis or rediss (got "localhost:6379")'],
    [
      { REDIS_URL: 'redis://h:6379/x' },
      'REDIS_URL must name a numeric database after the host (got "redis://h:6379/x")',
    ],
    [{ MONGODB_URI: 'http://db' }, 'MONGODB_URI must use mongodb or mongodb+srv (got "http://db")'],
    [{ APP_ROLE: 'web' }, 'APP_ROLE must be one of api, worker, all (got "web")'],
    [{ PORT: '-1' }, 'PORT must be an integer from 0 to 65535 (got "-1")'],
    [{ JWT_SECRET: undefined }, 'JWT_SECRET is required'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET must be at least 32 characters long'],
    [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN must be at least 16 characters long'],
    [{ REDIS_PREFIX: 'a:b' }, 'REDIS_PREFIX must be letters, digits, _ . - (1 to 64) (got "a:b")'],
    [
      { CORS_ORIGINS: 'https://app.example.com/,*' },
      'CORS_ORIGINS must be origins such as https://app.example.com, comma-separated (got "https://app.example.com/")',
    ],
    [
      { CRON_SCHEDULED_POSTS: '61 * * * *' },
      expect.stringMatching(/^CRON_SCHEDULED_POSTS must be a cron expression/),
    ],
    [
      { VIDEO_RENDITION_HEIGHT: '10' },
      'VIDEO_RENDITION_HEIGHT must be an integer from 96 to 4320 (got "10")',
    ],
    [
      { MEDIA_ALLOW_PRIVATE_URLS: 'maybe' },
      'MEDIA_ALLOW_PRIVATE_URLS must be true or false (got "maybe")',
    ],
  ])('rejects %j with a one-line message naming the variable', (env, message) => {
    const text = errorOf(env);
    expect(text).toEqual(message);
    expect(text).not.toContain('\n');
  });

  it('never echoes a secret or a URL password back', () => {
    expect(errorOf({ REDIS_URL: 'ftp://u:hunter2@h' })).not.toContain('hunter2');
    expect(errorOf({ JWT_SECRET: 'hunter2' })).not.toContain('hunter2');
  });
});
