import { ConfigError } from './config-error';
import { EnvReader, redactUrl } from './env-reader';

export interface RedisNode {
  host: string;
  port: number;
}

/**
 * One Redis node (the default), a Redis Cluster (its keys then carry hash tags: see
 * src/config/redis-keys.ts), or a master found through Sentinel (one node's layout).
 */
export type RedisTopology = 'single' | 'cluster' | 'sentinel';

export interface SentinelConfig {
  /** The master's name the sentinels watch (REDIS_SENTINEL_NAME). */
  name: string;
  username?: string;
  password?: string;
  tls: boolean;
}

export interface RedisConfig {
  topology: RedisTopology;
  /** The node (single); unused for cluster and sentinel, whose addresses are in `nodes`. */
  host: string;
  port: number;
  /** Cluster: the seed nodes; sentinel: the sentinels; single: the node again. */
  nodes: RedisNode[];
  sentinel?: SentinelConfig;
  /** Credentials and TLS of the data nodes (every cluster node, the sentinel-found master). */
  username?: string;
  password?: string;
  db: number;
  tls: boolean;
  /** Addresses for logs and errors; never holds a password. */
  display: string;
}

/**
 * Redis comes from REDIS_URL, or REDIS_HOST / REDIS_PORT (one node); REDIS_CLUSTER_NODES (a
 * cluster's seed nodes); or REDIS_SENTINELS + REDIS_SENTINEL_NAME. At most one of REDIS_URL and
 * the two lists; a list wins over REDIS_HOST / REDIS_PORT (as REDIS_URL does), so a copied
 * .env.example keeps working. REDIS_USERNAME / REDIS_PASSWORD / REDIS_TLS are the data nodes' in
 * every form but the URL's.
 */
export function readRedisConfig(env: EnvReader): RedisConfig {
  const forms = ['REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'].filter((n) => env.has(n));
  if (forms.length > 1)
    throw new ConfigError(forms[1], `cannot be set together with ${forms[0]}: choose one`);
  if (env.has('REDIS_URL')) return fromUrl(env);
  const credentials = {
    username: env.optionalString('REDIS_USERNAME'),
    password: env.optionalString('REDIS_PASSWORD'),
    tls: env.boolean('REDIS_TLS', false),
  };
  if (env.has('REDIS_CLUSTER_NODES')) {
    if (env.int('REDIS_DB', 0, 0, 15) !== 0)
      throw new ConfigError(
        'REDIS_DB',
        'must be 0 with REDIS_CLUSTER_NODES (a cluster has only 0)',
      );
    const nodes = nodeList(env, 'REDIS_CLUSTER_NODES');
    return {
      topology: 'cluster',
      ...nodes[0],
      nodes,
      ...credentials,
      db: 0,
      display: `cluster ${nodes.map(address).join(',')}`,
    };
  }
  if (env.has('REDIS_SENTINELS')) {
    const nodes = nodeList(env, 'REDIS_SENTINELS');
    if (!env.has('REDIS_SENTINEL_NAME'))
      throw new ConfigError(
        'REDIS_SENTINEL_NAME',
        "is required with REDIS_SENTINELS (the master's name)",
      );
    const name = env.string('REDIS_SENTINEL_NAME');
    const db = env.int('REDIS_DB', 0, 0, 15);
    return {
      topology: 'sentinel',
      ...nodes[0],
      nodes,
      sentinel: {
        name,
        username: env.optionalString('REDIS_SENTINEL_USERNAME'),
        password: env.optionalString('REDIS_SENTINEL_PASSWORD'),
        tls: env.boolean('REDIS_SENTINEL_TLS', credentials.tls),
      },
      ...credentials,
      db,
      display: `sentinel ${name}@${nodes.map(address).join(',')}/${db}`,
    };
  }
  for (const name of ['REDIS_SENTINEL_NAME', 'REDIS_SENTINEL_PASSWORD'])
    if (env.has(name)) throw new ConfigError(name, 'is set but REDIS_SENTINELS is not');
  const host = env.string('REDIS_HOST', '127.0.0.1');
  const port = env.int('REDIS_PORT', 6379, 1, 65535);
  const db = env.int('REDIS_DB', 0, 0, 15);
  return {
    topology: 'single',
    host,
    port,
    nodes: [{ host, port }],
    ...credentials,
    db,
    display: `${host}:${port}/${db}`,
  };
}

function fromUrl(env: EnvReader): RedisConfig {
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
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return {
    topology: 'single',
    host,
    port,
    nodes: [{ host, port }],
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db,
    tls: url.protocol === 'rediss:',
    display: `${url.hostname}:${port}/${db}`,
  };
}

/** `host:port,host:port` (an IPv6 host in brackets: `[::1]:7000`). */
function nodeList(env: EnvReader, name: string): RedisNode[] {
  const value = env.string(name);
  const nodes = value.split(',').map((item) => {
    const match = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(item.trim());
    const port = match ? Number(match[3]) : 0;
    if (!match || port < 1 || port > 65535)
      throw new ConfigError(name, `must be host:port pairs separated by commas ("${item.trim()}")`);
    return { host: match[1] ?? match[2], port };
  });
  return nodes;
}

function address(node: RedisNode): string {
  return node.host.includes(':') ? `[${node.host}]:${node.port}` : `${node.host}:${node.port}`;
}
