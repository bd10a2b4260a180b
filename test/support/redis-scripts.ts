/**
 * The project's Redis topology scripts (scripts/redis-cluster.js, redis-sentinel.js), typed: the
 * failover test and the chaos suite start, kill and watch clusters and sentinels through them.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
export const redisCluster = require('../../scripts/redis-cluster.js') as {
  up(base: number): void;
  down(base: number): void;
  masterOf(base: number, key: string): number;
  kill(base: number, port: number): void;
  tookOver(base: number, port: number): boolean;
};

export const redisSentinel = require('../../scripts/redis-sentinel.js') as {
  up(base: number): void;
  down(base: number): void;
  masterAddress(base: number): string;
  kill(base: number, port: number): void;
  MASTER_NAME: string;
};
