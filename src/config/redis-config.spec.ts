import { ConfigError } from './config-error';
import { EnvReader } from './env-reader';
import { readRedisConfig } from './redis-config';

const read = (env: Record<string, string>) => readRedisConfig(new EnvReader(env));

function errorOf(env: Record<string, string>): string {
  try {
    read(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('readRedisConfig', () => {
  it('is one node on 127.0.0.1:6379 by default', () => {
    expect(read({})).toMatchObject({
      topology: 'single',
      host: '127.0.0.1',
      port: 6379,
      nodes: [{ host: '127.0.0.1', port: 6379 }],
      db: 0,
    });
  });

  it('reads a cluster from REDIS_CLUSTER_NODES, credentials from REDIS_USERNAME / PASSWORD', () => {
    const config = read({
      REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-2.internal:7001,[::1]:7002',
      REDIS_USERNAME: 'app',
      REDIS_PASSWORD: 's3cret',
      REDIS_TLS: 'true',
      // .env.example's one-node defaults stay harmless.
      REDIS_HOST: '127.0.0.1',
      REDIS_PORT: '6379',
    });
    expect(config).toMatchObject({
      topology: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: 'redis-2.internal', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      username: 'app',
      password: 's3cret',
      tls: true,
      db: 0,
    });
    expect(config.display).toBe('cluster 10.0.0.1:7000,redis-2.internal:7001,[::1]:7002');
    expect(config.display).not.toContain('s3cret');
  });

  it('reads sentinels, the master name and their own password', () => {
    const config = read({
      REDIS_SENTINELS: '127.0.0.1:26379,127.0.0.1:26380',
      REDIS_SENTINEL_NAME: 'click',
      REDIS_SENTINEL_PASSWORD: 'watch',
      REDIS_PASSWORD: 'data',
      REDIS_DB: '2',
    });
    expect(config).toMatchObject({
      topology: 'sentinel',
      nodes: [
        { host: '127.0.0.1', port: 26379 },
        { host: '127.0.0.1', port: 26380 },
      ],
      sentinel: { name: 'click', password: 'watch', tls: false },
      password: 'data',
      db: 2,
    });
    expect(config.display).toBe('sentinel click@127.0.0.1:26379,127.0.0.1:26380/2');
  });

  it('refuses mixed or malformed settings with one line naming the variable', () => {
    expect(errorOf({ REDIS_URL: 'redis://a:6379', REDIS_CLUSTER_NODES: 'a:7000' })).toBe(
      'REDIS_CLUSTER_NODES cannot be set together with REDIS_URL: choose one',
    );
    expect(errorOf({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_SENTINELS: 'a:26379' })).toBe(
      'REDIS_SENTINELS cannot be set together with REDIS_CLUSTER_NODES: choose one',
    );
    expect(errorOf({ REDIS_CLUSTER_NODES: 'a:7000,b' })).toBe(
      'REDIS_CLUSTER_NODES must be host:port pairs separated by commas ("b")',
    );
    expect(errorOf({ REDIS_CLUSTER_NODES: 'a:70000' })).toContain('("a:70000")');
    expect(errorOf({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_DB: '3' })).toBe(
      'REDIS_DB must be 0 with REDIS_CLUSTER_NODES (a cluster has only 0)',
    );
    expect(errorOf({ REDIS_SENTINELS: 'a:26379' })).toBe(
      "REDIS_SENTINEL_NAME is required with REDIS_SENTINELS (the master's name)",
    );
    expect(errorOf({ REDIS_SENTINEL_NAME: 'click' })).toBe(
      'REDIS_SENTINEL_NAME is set but REDIS_SENTINELS is not',
    );
  });
});
