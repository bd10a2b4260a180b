/**
 * npm run bench:cluster — the six queues busy at once, on one Redis node and on a 3-master Redis
 * Cluster (3 replicas; started on 7700..7705 by scripts/redis-cluster.js and stopped after), with
 * the product's key layout (each queue's BullMQ prefix carries its own hash tag on the cluster).
 * Per topology and round: BENCH_JOBS (3000) no-op jobs queued on each of the six queues while
 * paused, six plain BullMQ Workers (BENCH_CONCURRENCY 10 each) in this process, all resumed at
 * once; timed until every queue completed its jobs. It shows what the cluster spreads — BullMQ's
 * work per queue lands on the master of that queue's slot — and prints the CPU of each
 * redis-server (masters and replicas) and of this process.
 *
 * What it does not include: the product's own keys (job index, events, idempotency) live under
 * one tag, `{<prefix>}`, so one master carries them whatever the cluster's size (see
 * docs/operations.md); and on this 2-core machine the six Redis processes and the Node process
 * share two cores, so a cluster cannot be faster here: the busiest master's share of the Redis
 * CPU says how far the work would spread over machines.
 *
 * Last lines: `busiest master share P %` (that master's CPU ÷ all masters' CPU, median) and
 * `cluster ratio X` (cluster jobs/s ÷ single-node jobs/s, all six queues, median of the rounds).
 * BENCH_JOBS, BENCH_CONCURRENCY, BENCH_ROUNDS (2).
 */
import { Queue, Worker } from 'bullmq';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { AppConfig } from '../src/config/app-config';
import { bullConnection, RedisClient } from '../src/infra/redis/redis-client';
import { QUEUE_NAMES } from '../src/queues/contracts/queue-names';
import { BenchCpu, benchConfig, dropPrefix, median, runPrefix } from './support';

const N = Number(process.env.BENCH_JOBS ?? 3000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const BASE = 7700;
const QUEUES = Object.values(QUEUE_NAMES);
// scripts/bench.sh runs benches from the repository's root.
const SCRIPT = path.resolve('scripts', 'redis-cluster.js');

type Topology = 'single' | 'cluster';

function configFor(topology: Topology): AppConfig {
  const prefix = runPrefix(`cluster_${topology}`);
  return benchConfig(
    prefix,
    'worker',
    topology === 'cluster'
      ? { REDIS_CLUSTER_NODES: [0, 1, 2].map((i) => `127.0.0.1:${BASE + i}`).join(',') }
      : {},
  );
}

/** The ports of the cluster's masters now (CLUSTER NODES of its first node). */
function masterPorts(): number[] {
  const nodes = execFileSync('redis-cli', ['-p', String(BASE), 'cluster', 'nodes'], {
    encoding: 'utf8',
  });
  return nodes
    .split('\n')
    .filter((line) => /master/.test(line.split(' ')[2] ?? ''))
    .map((line) => Number(line.split(' ')[1].split(':')[1].split('@')[0]));
}

interface RoundResult {
  total: number;
  perQueue: Record<string, number>;
  cpu: Record<string, number>;
}

async function round(topology: Topology): Promise<RoundResult> {
  const config = configFor(topology);
  const clients: RedisClient[] = [];
  const connection = () =>
    bullConnection(config.redis, { name: 'bench:cluster', patience: 'patient' }, (c) =>
      clients.push(c),
    );
  const cpu =
    topology === 'cluster'
      ? BenchCpu.forPorts(
          'redis',
          [0, 1, 2, 3, 4, 5].map((i) => BASE + i),
        )
      : BenchCpu.forPorts('redis', [config.redis.port]);
  const queues = QUEUES.map(
    (name) =>
      new Queue(name, { connection: connection(), prefix: config.redisKeys.bullPrefix(name) }),
  );
  for (const queue of queues) {
    await queue.pause();
    for (let i = 0; i < N; i += 1000)
      await queue.addBulk(
        Array.from({ length: Math.min(1000, N - i) }, (_, j) => ({
          name: 'noop',
          data: { n: i + j },
          opts: { removeOnComplete: 1000, removeOnFail: 1000 },
        })),
      );
  }
  const perQueue: Record<string, number> = {};
  const workers: Worker[] = [];
  const finished: Promise<void>[] = [];
  let start = 0;
  for (const queue of queues) {
    const worker = new Worker(queue.name, () => Promise.resolve({ ok: true }), {
      connection: connection(),
      prefix: config.redisKeys.bullPrefix(queue.name),
      concurrency: CONCURRENCY,
    });
    await worker.waitUntilReady();
    workers.push(worker);
    let done = 0;
    finished.push(
      new Promise((resolve) =>
        worker.on('completed', () => {
          if (++done === N) {
            perQueue[queue.name] = N / ((performance.now() - start) / 1000);
            resolve();
          }
        }),
      ),
    );
  }
  const before = cpu.sample();
  start = performance.now();
  await Promise.all(queues.map((q) => q.resume()));
  await Promise.all(finished);
  const seconds = (performance.now() - start) / 1000;
  const used = BenchCpu.delta(before, cpu.sample());
  await Promise.all(workers.map((w) => w.close()));
  for (const queue of queues) {
    await queue.obliterate({ force: true });
    await queue.close();
  }
  await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
  await dropPrefix(config);
  return { total: (QUEUES.length * N) / seconds, perQueue, cpu: used };
}

function describe(r: RoundResult): string {
  const queues = QUEUES.map((q) => `${q} ${r.perQueue[q].toFixed(0)}`).join(', ');
  const cpu = Object.entries(r.cpu)
    .map(([name, ms]) => `${name} ${ms.toFixed(0)} ms`)
    .join(', ');
  return `${r.total.toFixed(0)} jobs/s (per queue: ${queues}) [cpu: ${cpu}]`;
}

async function main(): Promise<void> {
  console.log(
    `cluster throughput: ${N} no-op jobs on each of ${QUEUES.length} queues at once, concurrency ${CONCURRENCY}`,
  );
  execFileSync('node', [SCRIPT, 'up', String(BASE)], { stdio: 'inherit' });
  try {
    const masters = masterPorts();
    console.log(`cluster masters: ${masters.join(', ')}`);
    const ratios: number[] = [];
    const shares: number[] = [];
    await round('single');
    await round('cluster');
    console.log('round 0 (untimed warm-up) done');
    for (let r = 1; r <= ROUNDS; r++) {
      const single = await round('single');
      console.log(`round ${r} one node  ${describe(single)}`);
      const cluster = await round('cluster');
      console.log(`round ${r} cluster   ${describe(cluster)}`);
      const perMaster = masters.map((port) => cluster.cpu[`redis:${port}`] ?? 0);
      const sum = perMaster.reduce((a, b) => a + b, 0);
      shares.push((Math.max(...perMaster) / sum) * 100);
      ratios.push(cluster.total / single.total);
    }
    console.log(`busiest master share ${median(shares).toFixed(0)} %`);
    console.log(`cluster ratio ${median(ratios).toFixed(2)}`);
  } finally {
    // Quietly: the figure stays the last line.
    execFileSync('node', [SCRIPT, 'down', String(BASE)], { stdio: 'ignore' });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
