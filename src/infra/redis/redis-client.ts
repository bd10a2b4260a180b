import type { ConnectionOptions } from 'bullmq';
import Redis, { Cluster, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisConfig } from '../../config/redis-config';

/** A client of this deployment's Redis: one node (or a Sentinel-found master), or a Cluster. */
export type RedisClient = Redis | Cluster;

/**
 * fail-fast: for the HTTP path (producers, health, locks): a command fails at once while Redis is
 * unreachable instead of queueing up and hanging the request.
 * patient: for BullMQ workers and subscribers: commands wait through an outage (BullMQ requires
 * maxRetriesPerRequest: null for its blocking connection).
 */
export type Patience = 'fail-fast' | 'patient';

export interface ClientSettings {
  /** Shown by CLIENT LIST, e.g. `click-api:commands`. */
  name: string;
  patience: Patience;
  autoPipelining?: boolean;
}

/** Reconnect quickly (at most every 2 s) so the app recovers soon after Redis comes back. */
const reconnectDelay = (attempt: number): number => Math.min(200 * attempt, 2000);

/** Options of one connection to a data node (for a Cluster: to each of its nodes). */
function nodeOptions(redis: RedisConfig, { name, patience }: ClientSettings): RedisOptions {
  const options: RedisOptions = {
    username: redis.username,
    password: redis.password,
    tls: redis.tls ? {} : undefined,
    connectTimeout: 5000,
    connectionName: name,
    ...(patience === 'fail-fast'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1 }
      : { maxRetriesPerRequest: null }),
  };
  if (redis.topology === 'cluster') return options;
  if (redis.topology === 'sentinel') {
    const sentinel = redis.sentinel!;
    return {
      ...options,
      db: redis.db,
      sentinels: redis.nodes,
      name: sentinel.name,
      sentinelUsername: sentinel.username,
      sentinelPassword: sentinel.password,
      enableTLSForSentinelMode: sentinel.tls,
      sentinelRetryStrategy: reconnectDelay,
      // No `failoverDetector`: in ioredis 5 (the one BullMQ uses) its subscriptions to the
      // sentinels outlive quit() (ioredis#1362), and BullMQ closes its connections with quit(),
      // so a process would never exit. A failover is seen when the old master's connection
      // breaks (a dead master resets it; a demoted one closes its clients).
      retryStrategy: reconnectDelay,
    };
  }
  return {
    ...options,
    host: redis.host,
    port: redis.port,
    db: redis.db,
    retryStrategy: reconnectDelay,
  };
}

function clusterOptions(redis: RedisConfig, settings: ClientSettings): ClusterOptions {
  return {
    redisOptions: nodeOptions(redis, settings),
    enableOfflineQueue: settings.patience !== 'fail-fast',
    enableAutoPipelining: settings.autoPipelining,
    clusterRetryStrategy: reconnectDelay,
    // While a failover is under way the slots answer CLUSTERDOWN: retry soon, up to the
    // redirection limit (16), rather than failing a patient command at once.
    retryDelayOnClusterDown: 300,
    retryDelayOnFailover: 200,
    // Managed clusters behind TLS name themselves by host name; keep it for SNI.
    dnsLookup: (address, callback) => callback(null, address),
  };
}

export function createRedisClient(redis: RedisConfig, settings: ClientSettings): RedisClient {
  if (redis.topology === 'cluster')
    return new Cluster(redis.nodes, clusterOptions(redis, settings));
  return new Redis({
    ...nodeOptions(redis, settings),
    enableAutoPipelining: settings.autoPipelining,
  });
}

/**
 * BullMQ's connection: options it builds its own client from (one node, Sentinel), or for a
 * Cluster (which BullMQ does not build) a client of ours that it shares and does not close:
 * `adopt` is told of it, so its owner closes it after the queues and workers.
 */
export function bullConnection(
  redis: RedisConfig,
  settings: ClientSettings,
  adopt: (client: RedisClient) => void,
): ConnectionOptions {
  if (redis.topology !== 'cluster') return nodeOptions(redis, settings) as ConnectionOptions;
  const client = createRedisClient(redis, settings);
  adopt(client);
  return client;
}

export function isCluster(client: RedisClient): client is Cluster {
  return (client as Cluster).isCluster === true;
}

/**
 * The nodes to run a keyspace-wide command on (SCAN, CLIENT LIST): every master of a Cluster,
 * once its slots are known.
 */
export async function masters(client: RedisClient): Promise<Redis[]> {
  if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
  return isCluster(client) ? client.nodes('master') : [client];
}

/** The keys of one node matching `pattern` (SCAN MATCH), a batch at a time. */
export async function* scanKeys(node: Redis, pattern: string): AsyncGenerator<string[]> {
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (keys.length) yield keys;
    cursor = next;
  } while (cursor !== '0');
}

/** MULTI answers errors per command instead of rejecting: surface the first. */
export function throwFirstError(results: [Error | null, unknown][] | null): void {
  const error = results?.find(([e]) => e)?.[0];
  if (error) throw error;
}
