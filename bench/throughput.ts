/**
 * npm run bench:throughput — N no-op jobs through the kernel's worker path (payload validation,
 * job records in MongoDB, Redis job indexes, realtime events in Redis, metrics, log lines) versus
 * a raw BullMQ Worker, on the same Redis, same concurrency, same limiter (the kernel side's
 * QUEUE_CONTENT_GENERATION_RATE_MAX 1000000 per 1000 ms is passed to the raw Worker too), same N,
 * same job options, alternating the sides after one untimed round of each. Every side queues N
 * jobs into a paused queue, starts and connects its worker, and times from resume until the
 * worker has completed N jobs. Job records are written behind the kernel's workers; the kernel
 * side is also timed until every record is durable (flushed), and the bench checks at the end of
 * each kernel round that all N records say completed.
 *
 * Each round runs four sides: raw; the kernel; the kernel with METRICS_ENABLED=false; and a
 * peer — a plain BullMQ Worker (same concurrency, limiter, N and job options) that writes each
 * job's record itself, one MongoDB `updateOne({_id}, {$set: {state, finishedAt, result}},
 * {upsert: true})` per job, in a collection of its own in the round's database (dropped after).
 *
 * CPU per job: the CPU used by this process and by the Redis and FerretDB processes that serve
 * this bench's connections (the ones listening on the configured Redis and MongoDB ports; not
 * every redis-server on the machine), divided by N. For the kernel it is counted from resume until
 * every record is durable (the write-behind's Node and Redis work included); per round it prints
 * µs per job of each process. With N > 10000 it also prints the RSS (and heap) of this process,
 * which hosts the kernel worker app, after 10k and after N completed jobs and the growth in %
 * (not forced through a GC: the timed drain is not disturbed).
 *
 * Last four lines (medians over rounds; ratios are taken within a round, then the median):
 * - `records ratio Y`: kernel-with-records-durable jobs/s ÷ raw jobs/s;
 * - `peer ratio Z`: kernel-with-records-durable jobs/s ÷ peer jobs/s;
 * - `metrics cost P %`: the kernel's Node + Redis CPU per job with metrics on over the same with
 *   METRICS_ENABLED=false, as a cost in % of the latter;
 * - `cpu ratio X` (the headline): the kernel's Node + Redis CPU per job ÷ raw's Node + Redis.
 * Before them, `ratio X` (kernel worker jobs/s ÷ raw jobs/s), as in earlier runs.
 *
 * BENCH_JOBS (default 5000), BENCH_CONCURRENCY (10), BENCH_ROUNDS (3).
 */
import 'reflect-metadata';
import { INestApplicationContext, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { getConnectionToken } from '@nestjs/mongoose';
import { BullModule } from '@nestjs/bullmq';
import { Processor, Queue, Worker } from 'bullmq';
import type Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mongo, type Connection } from 'mongoose';
import type { AppConfig } from '../src/config/app-config';
import { applyQueueOverride, queueEnvKey } from '../src/config/queue-config';
import { CONTENT_GENERATION_QUEUE } from '../src/queues/content-generation/content-generation.queue';
import { MongoModule } from '../src/infra/mongo/mongo.module';
import { REDIS_CLIENT, RedisModule } from '../src/infra/redis/redis.module';
import { bullConnection } from '../src/infra/redis/redis-client';
import { JOB_PRIORITY } from '../src/queues/contracts/job-priority';
import { JobKernel } from '../src/queues/kernel/job-kernel.service';
import { buildJobOptions, newJobId } from '../src/queues/kernel/job-options';
import { QueueRegistry } from '../src/queues/kernel/queue-registry';
import { QueueKernelModule } from '../src/queues/kernel/queue-kernel.module';
import { WorkerBootstrap } from '../src/queues/kernel/worker-bootstrap.service';
import { JOB_NAMES, QUEUE_NAMES } from '../src/queues/contracts/queue-names';
import { JobRecordsService } from '../src/queues/records/job-records.service';
import { NoopProcessor } from './noop.processor';
import {
  benchConfig as appConfigFor,
  BenchCpu,
  CpuSample,
  dropDatabase,
  dropPrefix,
  mb,
  median,
} from './support';

const N = Number(process.env.BENCH_JOBS ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const QUEUE = QUEUE_NAMES.CONTENT_GENERATION;

/** RSS is sampled after this many completed jobs and after N (when N is larger). */
const RSS_EARLY = 10_000;

function benchConfig(prefix: string, role: 'api' | 'worker', metrics = true): AppConfig {
  return appConfigFor(prefix, role, {
    METRICS_ENABLED: String(metrics),
    [`QUEUE_CONTENT_GENERATION_CONCURRENCY`]: String(CONCURRENCY),
    // The bench measures the worker path, not the product's rate limit.
    [`QUEUE_CONTENT_GENERATION_RATE_MAX`]: '1000000',
    [`QUEUE_CONTENT_GENERATION_RATE_DURATION_MS`]: '1000',
  });
}

function kernelModule(config: AppConfig) {
  @Module({
    imports: [
      ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => config] }),
      RedisModule,
      MongoModule,
      QueueKernelModule,
      BullModule.registerQueue({ name: QUEUE }),
    ],
    providers: [NoopProcessor],
  })
  class BenchKernelModule {}
  return BenchKernelModule;
}

/** CPU per job of one side's round: µs of each process (node, redis-server, ferretdb). */
type CpuPerJob = Record<string, number>;

function perJob(before: CpuSample, after: CpuSample): CpuPerJob {
  const delta = BenchCpu.delta(before, after);
  return Object.fromEntries(Object.entries(delta).map(([name, ms]) => [name, (ms * 1000) / N]));
}

/** Node + Redis µs per job: what the kernel adds on the worker's side of the bargain. */
function nodeAndRedis(cpu: CpuPerJob): number {
  return (cpu.node ?? 0) + (cpu['redis-server'] ?? cpu.redis ?? 0);
}

function describeCpu(cpu: CpuPerJob): string {
  return Object.entries(cpu)
    .map(([name, us]) => `${name} ${us.toFixed(0)}`)
    .join(', ');
}

/**
 * Every side starts the same way: jobs are queued while the queue is paused, the worker is
 * started and connected, and the clock starts when the queue is resumed. A round ends when the
 * worker has completed N jobs. `onCompleted` sees the running count (RSS samples).
 */
async function timedDrain(
  queue: Queue,
  cpu: BenchCpu,
  startWorker: () => Promise<Worker>,
  onCompleted?: (done: number) => void,
): Promise<{ seconds: number; worker: Worker; cpuBefore: CpuSample; cpuAfter: CpuSample }> {
  await queue.pause();
  const worker = await startWorker();
  await worker.waitUntilReady();
  let done = 0;
  const finished = new Promise<void>((resolve) =>
    worker.on('completed', () => {
      done++;
      onCompleted?.(done);
      if (done === N) resolve();
    }),
  );
  const cpuBefore = cpu.sample();
  const start = performance.now();
  await queue.resume();
  await finished;
  const seconds = (performance.now() - start) / 1000;
  return { seconds, worker, cpuBefore, cpuAfter: cpu.sample() };
}

interface MemorySample {
  rss: number;
  heapUsed: number;
}

function memory(): MemorySample {
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

interface PlainSide {
  rate: number;
  cpu: CpuPerJob;
}

/**
 * A plain BullMQ side (raw, or the peer): N jobs with the kernel's job options queued in bulk,
 * drained by a Worker with the kernel's concurrency and limiter running `processor`.
 */
async function plainRound(
  prefix: string,
  cpuOf: BenchCpu,
  processor: Processor,
): Promise<PlainSide & { config: AppConfig }> {
  const config = benchConfig(prefix, 'worker');
  // The limiter the kernel's worker runs with (from the same QUEUE_* settings).
  const spec = applyQueueOverride(
    CONTENT_GENERATION_QUEUE.spec,
    config.jobs.queueOverrides[queueEnvKey(QUEUE)],
  );
  const rateLimit = spec.rateLimit;
  const connection = bullConnection(
    config.redis,
    { name: 'bench:raw', patience: 'patient' },
    () => {},
  );
  const queue = new Queue(QUEUE, { connection, prefix });
  for (let i = 0; i < N; i += 1000) {
    const count = Math.min(1000, N - i);
    // The same job options the kernel gives its jobs (priority, attempts, retention, id), so the
    // ratio measures the kernel's own work, not BullMQ features the product promises.
    await queue.addBulk(
      Array.from({ length: count }, (_, j) => ({
        name: JOB_NAMES.GENERATE_CONTENT,
        data: { n: i + j },
        opts: buildJobOptions(
          spec,
          { jobId: newJobId(), priority: JOB_PRIORITY.NORMAL, delayMs: 0 },
          config.jobs.backoffDelayMs,
        ),
      })),
    );
  }
  const { seconds, worker, cpuBefore, cpuAfter } = await timedDrain(queue, cpuOf, () =>
    Promise.resolve(
      new Worker(QUEUE, processor, {
        connection,
        prefix,
        concurrency: CONCURRENCY,
        ...(rateLimit ? { limiter: { max: rateLimit.max, duration: rateLimit.durationMs } } : {}),
      }),
    ),
  );
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  await dropPrefix(config);
  return { rate: N / seconds, cpu: perJob(cpuBefore, cpuAfter), config };
}

function rawRound(round: number, cpuOf: BenchCpu): Promise<PlainSide> {
  return plainRound(`bench_raw_${round}_${randomBytes(3).toString('hex')}`, cpuOf, () =>
    Promise.resolve({ ok: true }),
  );
}

/**
 * The peer: what a team would write without the kernel — each job's record upserted by the job
 * itself, one MongoDB round trip (and one FerretDB update) per job, in the round's database.
 */
async function peerRound(round: number, cpuOf: BenchCpu): Promise<PlainSide> {
  const prefix = `bench_peer_${round}_${randomBytes(3).toString('hex')}`;
  const uri = benchConfig(prefix, 'worker').mongo.uri;
  const client = new mongo.MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
  const records = client.db().collection<{ _id: string }>('peer_job_records');
  try {
    const side = await plainRound(prefix, cpuOf, async (job) => {
      const result = { ok: true };
      await records.updateOne(
        { _id: job.id! },
        { $set: { state: 'completed', finishedAt: new Date(), result } },
        { upsert: true },
      );
      return result;
    });
    const written = await records.estimatedDocumentCount();
    if (written !== N) throw new Error(`peer: only ${written} of ${N} records written`);
    await records.drop();
    await dropDatabase(side.config);
    return side;
  } finally {
    await client.close();
  }
}

interface KernelSide {
  worker: number;
  endToEnd: number;
  /** From resume until every record is durable. */
  cpu: CpuPerJob;
  /** From resume until the worker completed N jobs (records partly still buffered). */
  drainCpu: CpuPerJob;
  memory?: [MemorySample, MemorySample];
}

async function kernelRound(round: number, cpuOf: BenchCpu, metrics = true): Promise<KernelSide> {
  const prefix = `bench_kernel_${round}_${randomBytes(3).toString('hex')}`;
  // Jobs go in through the kernel (records written) before any worker runs.
  const producerConfig = benchConfig(prefix, 'api', metrics);
  const producer = await NestFactory.createApplicationContext(kernelModule(producerConfig), {
    logger: ['error', 'warn'],
  });
  const kernel = producer.get(JobKernel);
  // The app's command client fails fast (no offline queue): start once it is connected.
  const redis = producer.get<Redis>(REDIS_CLIENT);
  if (redis.status !== 'ready') await once(redis, 'ready');
  await producer.get(QueueRegistry).get(QUEUE).waitUntilReady();
  for (let i = 0; i < N; i += 20) {
    await Promise.all(
      Array.from({ length: Math.min(20, N - i) }, (_, j) =>
        kernel.add(QUEUE, JOB_NAMES.GENERATE_CONTENT, {
          text: `job ${i + j}`,
          userId: 'bench',
          platforms: ['twitter'],
        }),
      ),
    );
  }
  let workerApp: INestApplicationContext | undefined;
  const samples: MemorySample[] = [];
  const { seconds, cpuBefore, cpuAfter } = await timedDrain(
    producer.get(QueueRegistry).get(QUEUE),
    cpuOf,
    async () => {
      workerApp = await NestFactory.createApplicationContext(
        kernelModule(benchConfig(prefix, 'worker', metrics)),
        { logger: ['error', 'warn'] },
      );
      await workerApp.init();
      return workerApp.get(WorkerBootstrap).workerFor(QUEUE)!;
    },
    (done) => {
      if (N > RSS_EARLY && (done === RSS_EARLY || done === N)) samples.push(memory());
    },
  );
  const drained = performance.now();
  // End to end: until every record says completed.
  await workerApp!.get(JobRecordsService).flush();
  const recordsSeconds = seconds + (performance.now() - drained) / 1000;
  const cpuDurable = cpuOf.sample();
  const completed = await producer
    .get<Connection>(getConnectionToken())
    .collection('job_records')
    .countDocuments({ state: 'completed' });
  if (completed !== N) throw new Error(`only ${completed} of ${N} records say completed`);

  await workerApp!.close();
  await producer.get<Connection>(getConnectionToken()).dropDatabase();
  await producer.close();
  await dropPrefix(producerConfig);
  return {
    worker: N / seconds,
    endToEnd: N / recordsSeconds,
    cpu: perJob(cpuBefore, cpuDurable),
    drainCpu: perJob(cpuBefore, cpuAfter),
    memory: samples.length === 2 ? [samples[0], samples[1]] : undefined,
  };
}

function describeMemory([early, late]: [MemorySample, MemorySample]): string {
  const growth = ((late.rss - early.rss) / early.rss) * 100;
  return (
    `worker process RSS after ${RSS_EARLY} completed jobs ${mb(early.rss)} (heap ${mb(early.heapUsed)}), ` +
    `after ${N} ${mb(late.rss)} (heap ${mb(late.heapUsed)}): growth ${growth.toFixed(1)} %`
  );
}

async function main(): Promise<void> {
  console.log(
    `throughput: ${N} no-op jobs, concurrency ${CONCURRENCY}, ${ROUNDS} rounds each, alternating`,
  );
  const cpuOf = BenchCpu.forConfig(benchConfig('bench_probe', 'worker'));
  console.log(`cpu of ${cpuOf.describe()}; per job in µs`);
  const raw: number[] = [];
  const kernel: number[] = [];
  const endToEnd: number[] = [];
  const peer: number[] = [];
  const ratios = { worker: [] as number[], records: [] as number[], peer: [] as number[] };
  const cpuRatios: number[] = [];
  const metricsCosts: number[] = [];
  const cpu = { raw: [] as number[], kernel: [] as number[], off: [] as number[] };
  // One untimed round of each first: the JIT warms up, and no side pays for it.
  const warmRaw = await rawRound(0, cpuOf);
  const warmKernel = await kernelRound(0, cpuOf);
  const warmPeer = await peerRound(0, cpuOf);
  console.log(
    `round 0 (untimed warm-up) raw ${warmRaw.rate.toFixed(0)} jobs/s, kernel ${warmKernel.worker.toFixed(0)} jobs/s, peer ${warmPeer.rate.toFixed(0)} jobs/s`,
  );
  for (let round = 1; round <= ROUNDS; round++) {
    const r = await rawRound(round, cpuOf);
    raw.push(r.rate);
    console.log(
      `round ${round} raw    ${r.rate.toFixed(0)} jobs/s   [cpu per job: ${describeCpu(r.cpu)}]`,
    );
    const k = await kernelRound(round, cpuOf);
    kernel.push(k.worker);
    endToEnd.push(k.endToEnd);
    console.log(
      `round ${round} kernel ${k.worker.toFixed(0)} jobs/s; records all written at ${k.endToEnd.toFixed(0)} jobs/s   [cpu per job until durable: ${describeCpu(k.cpu)}; until drained: ${describeCpu(k.drainCpu)}]`,
    );
    if (k.memory) console.log(`round ${round} ${describeMemory(k.memory)}`);
    const off = await kernelRound(round, cpuOf, false);
    console.log(
      `round ${round} kernel, METRICS_ENABLED=false ${off.worker.toFixed(0)} jobs/s; records all written at ${off.endToEnd.toFixed(0)} jobs/s   [cpu per job until durable: ${describeCpu(off.cpu)}]`,
    );
    const p = await peerRound(round, cpuOf);
    peer.push(p.rate);
    console.log(
      `round ${round} peer   ${p.rate.toFixed(0)} jobs/s   [cpu per job: ${describeCpu(p.cpu)}]`,
    );
    ratios.worker.push(k.worker / r.rate);
    ratios.records.push(k.endToEnd / r.rate);
    ratios.peer.push(k.endToEnd / p.rate);
    cpu.raw.push(nodeAndRedis(r.cpu));
    cpu.kernel.push(nodeAndRedis(k.cpu));
    cpu.off.push(nodeAndRedis(off.cpu));
    cpuRatios.push(nodeAndRedis(k.cpu) / nodeAndRedis(r.cpu));
    metricsCosts.push((nodeAndRedis(k.cpu) / nodeAndRedis(off.cpu) - 1) * 100);
  }
  console.log(
    `median jobs/s: raw ${median(raw).toFixed(0)}, kernel ${median(kernel).toFixed(0)}, kernel with records written ${median(endToEnd).toFixed(0)}, peer ${median(peer).toFixed(0)}`,
  );
  console.log(
    `median node + redis µs per job: raw ${median(cpu.raw).toFixed(0)}, kernel ${median(cpu.kernel).toFixed(0)}, kernel without metrics ${median(cpu.off).toFixed(0)}`,
  );
  console.log(`ratio ${median(ratios.worker).toFixed(2)}`);
  console.log(`records ratio ${median(ratios.records).toFixed(2)}`);
  console.log(`peer ratio ${median(ratios.peer).toFixed(2)}`);
  console.log(`metrics cost ${median(metricsCosts).toFixed(1)} %`);
  console.log(`cpu ratio ${median(cpuRatios).toFixed(2)}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
