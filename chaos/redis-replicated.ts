import type { Env } from '../test/support/test-env';
import { redisCluster as cluster, redisSentinel as sentinel } from '../test/support/redis-scripts';

export type ReplicatedKind = 'cluster' | 'sentinel';

/** Ports of the suite's own: apart from the test cluster (7100), the failover test (7300, 7400). */
const BASE: Record<ReplicatedKind, number> = { cluster: 7500, sentinel: 7600 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A replicated Redis of the suite's own, started by the project's scripts from Debian's
 * redis-server: a 6-node cluster (3 masters, 3 replicas) or one master, one replica and three
 * sentinels. Its master is killed with kill -9 under load and a replica takes over.
 */
export class ReplicatedRedis {
  private constructor(readonly kind: ReplicatedKind) {}

  static start(kind: ReplicatedKind): ReplicatedRedis {
    const redis = new ReplicatedRedis(kind);
    // A previous run interrupted hard may have left its nodes: start from nothing.
    redis.down();
    if (kind === 'cluster') cluster.up(BASE.cluster);
    else sentinel.up(BASE.sentinel);
    return redis;
  }

  get base(): number {
    return BASE[this.kind];
  }

  get url(): string {
    return this.kind === 'cluster'
      ? `cluster 127.0.0.1:${this.base}..${this.base + 5}`
      : `sentinels 127.0.0.1:${this.base + 2}..${this.base + 4}`;
  }

  /** The app's settings for this topology. */
  env(): Env {
    const list = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => `127.0.0.1:${from + i}`).join(',');
    return this.kind === 'cluster'
      ? { REDIS_CLUSTER_NODES: list(this.base, this.base + 2) }
      : {
          REDIS_SENTINELS: list(this.base + 2, this.base + 4),
          REDIS_SENTINEL_NAME: sentinel.MASTER_NAME,
        };
  }

  /**
   * kill -9 of the master holding `key` (the only master with Sentinel); resolves once a replica
   * serves in its place, with what was killed and how long the take-over took.
   */
  async killMaster(key: string): Promise<{ master: string; ms: number }> {
    const started = Date.now();
    const deadline = started + 60_000;
    if (this.kind === 'cluster') {
      const port = cluster.masterOf(this.base, key);
      cluster.kill(this.base, port);
      while (!cluster.tookOver(this.base, port)) {
        if (Date.now() > deadline) throw new Error(`no replica took over from :${port}`);
        await sleep(200);
      }
      return { master: `127.0.0.1:${port}`, ms: Date.now() - started };
    }
    const before = sentinel.masterAddress(this.base);
    sentinel.kill(this.base, Number(before.split(':')[1]));
    while (sentinel.masterAddress(this.base) === before) {
      if (Date.now() > deadline) throw new Error(`the sentinels did not fail over from ${before}`);
      await sleep(200);
    }
    return { master: before, ms: Date.now() - started };
  }

  private down(): void {
    if (this.kind === 'cluster') cluster.down(this.base);
    else sentinel.down(this.base);
  }

  killNow(): void {
    this.down();
  }

  dispose(): Promise<void> {
    this.down();
    return Promise.resolve();
  }
}
