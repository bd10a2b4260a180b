/**
 * npm run bench:throughput — N no-op jobs through the kernel's worker path (payload validation,
 * job records in MongoDB, realtime events in Redis) versus a raw BullMQ Worker, on the same Redis,
 * same concurrency, same limiter (the kernel side's QUEUE_CONTENT_GENERATION_RATE_MAX 1000000 per
 * 1000 ms is passed to the raw Worker too), same N, alternating the two after one untimed round
 * of each. Both sides queue N jobs into a paused queue, start and connect the worker, and time from
 * resume until the worker has completed N jobs. Job records are written behind the workers; the
 * kernel side is also timed until every record is durable (flushed), and the bench checks at the
 * end of each kernel round that all N records say completed.
 *
 * Prints per round jobs/s and the CPU used while draining by this process and by the Redis and
 * FerretDB processes that serve this bench's connections (the ones listening on the configured
 * Redis and MongoDB ports; not every redis-server on the machine). With N > 10000 it also prints
 * the RSS (and heap) of this process, which hosts the kernel worker app, after 10k and after N
 * completed jobs and the growth in % (not forced through a GC: the timed drain is not disturbed).
 *
 * Each round also runs the kernel side with METRICS_ENABLED=false, and the bench prints the ratio
 * without metrics beside the one with them (the cost of the job metrics).
 *
 * Last two lines: `records ratio Y` (median kernel-with-records-durable jobs/s ÷ median raw
 * jobs/s), then `ratio X` (median kernel worker jobs/s ÷ median raw jobs/s).
 *
 * BENCH_JOBS (default 5000), BENCH_CONCURRENCY (10), BENCH_ROUNDS (3).
 */
import 'reflect-metadata';
import { INestApplicationContext, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { getConnectionToken } from '@nestjs/mongoose';
import { BullModule } from '@nestjs/bullmq';
import { Queue, Worker } from 'bullmq';
import type Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Connection } from 'mongoose';
import type { AppConfig } from '../src/config/app-config';
import { applyQueueOverride, queueEnvKey } from '../src/config/queue-config';
import { CONTENT_GENERATION_QUEUE } from '../src/queues/content-generation/content-generation.queue';
import { MongoModule } from '../src/infra/mongo/mongo.module';
import { REDIS_CLIENT, RedisModule } from '../src/infra/redis/redis.module';
import { forBullMQ, patientRedisOptions } from '../src/infra/redis/redis-options';
import { JOB_PRIORITY } from '../src/queues/contracts/job-priority';
import { JobKernel } from '../src/queues/kernel/job-kernel.service';
import { buildJobOptions, newJobId } from '../src/queues/kernel/job-options';
import { QueueRegistry } from '../src/queues/kernel/queue-registry';
import { QueueKernelModule } from '../src/queues/kernel/queue-kernel.module';
import { WorkerBootstrap } from '../src/queues/kernel/worker-bootstrap.service';
import { JOB_NAMES, QUEUE_NAMES } from '../src/queues/contracts/queue-names';
import { JobRecordsService } from '../src/queues/records/job-records.service';
import { NoopProcessor } from './noop.processor';
import { benchConfig as appConfigFor, BenchCpu, dropPrefix, mb, median } from './support';

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

/**
 * Both sides start the same way: jobs are queued while the queue is paused, the worker is started
 * and connected, and the clock starts when the queue is resumed. A round ends when the worker has
 * completed N jobs. `onCompleted` sees the running count (RSS samples).
 */
async function timedDrain(
  queue: Queue,
  cpu: BenchCpu,
  startWorker: () => Promise<Worker>,
  onCompleted?: (done: number) => void,
): Promise<{ seconds: number; worker: Worker; cpu: string }> {
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
  return { seconds, worker, cpu: BenchCpu.report(cpuBefore, cpu.sample()) };
}

interface MemorySample {
  rss: number;
  heapUsed: number;
}

function memory(): MemorySample {
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

async function rawRound(round: number, cpuOf: BenchCpu): Promise<{ rate: number; cpu: string }> {
  const prefix = `bench_raw_${round}_${randomBytes(3).toString('hex')}`;
  const config = benchConfig(prefix, 'worker');
  // The limiter the kernel's worker runs with (from the same QUEUE_* settings).
  const spec = applyQueueOverride(
    CONTENT_GENERATION_QUEUE.spec,
    config.jobs.queueOverrides[queueEnvKey(QUEUE)],
  );
  const rateLimit = spec.rateLimit;
  const connection = forBullMQ(patientRedisOptions(config.redis));
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
  const { seconds, worker, cpu } = await timedDrain(queue, cpuOf, () =>
    Promise.resolve(
      new Worker(QUEUE, () => Promise.resolve({ ok: true }), {
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
  return { rate: N / seconds, cpu };
}

async function kernelRound(
  round: number,
  cpuOf: BenchCpu,
  metrics = true,
): Promise<{
  worker: number;
  endToEnd: number;
  cpu: string;
  memory?: [MemorySample, MemorySample];
}> {
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
  const { seconds, cpu } = await timedDrain(
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
    cpu,
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
  console.log(`cpu of ${cpuOf.describe()}`);
  const raw: number[] = [];
  const kernel: number[] = [];
  const endToEnd: number[] = [];
  const withoutMetrics: number[] = [];
  // One untimed round of each first: the JIT warms up, and neither side pays for it.
  const warmRaw = await rawRound(0, cpuOf);
  const warmKernel = await kernelRound(0, cpuOf);
  console.log(
    `round 0 (untimed warm-up) raw ${warmRaw.rate.toFixed(0)} jobs/s, kernel ${warmKernel.worker.toFixed(0)} jobs/s`,
  );
  for (let round = 1; round <= ROUNDS; round++) {
    const r = await rawRound(round, cpuOf);
    raw.push(r.rate);
    console.log(
      `round ${round} raw    ${r.rate.toFixed(0)} jobs/s   [cpu while draining: ${r.cpu}]`,
    );
    const k = await kernelRound(round, cpuOf);
    kernel.push(k.worker);
    endToEnd.push(k.endToEnd);
    console.log(
      `round ${round} kernel ${k.worker.toFixed(0)} jobs/s; records all written at ${k.endToEnd.toFixed(0)} jobs/s   [cpu while draining: ${k.cpu}]`,
    );
    if (k.memory) console.log(`round ${round} ${describeMemory(k.memory)}`);
    const off = await kernelRound(round, cpuOf, false);
    withoutMetrics.push(off.worker);
    console.log(
      `round ${round} kernel, METRICS_ENABLED=false ${off.worker.toFixed(0)} jobs/s   [cpu while draining: ${off.cpu}]`,
    );
  }
  const rawMedian = median(raw);
  console.log(
    `median raw ${rawMedian.toFixed(0)} jobs/s, kernel ${median(kernel).toFixed(0)} jobs/s, kernel with records written ${median(endToEnd).toFixed(0)} jobs/s`,
  );
  const on = median(kernel) / rawMedian;
  const off = median(withoutMetrics) / rawMedian;
  console.log(
    `ratio without metrics ${off.toFixed(2)}; with metrics ${on.toFixed(2)} (${(((on - off) / off) * 100).toFixed(1)} %)`,
  );
  console.log(`records ratio ${(median(endToEnd) / rawMedian).toFixed(2)}`);
  console.log(`ratio ${(median(kernel) / rawMedian).toFixed(2)}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
