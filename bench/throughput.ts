/**
 * npm run bench:throughput — N no-op jobs through the kernel's worker path (payload validation,
 * job records in MongoDB, realtime events in Redis) versus a raw BullMQ Worker, on the same Redis,
 * same concurrency, same N, alternating the two. Prints jobs/s per round; the last line is
 * `ratio <median kernel jobs/s / median raw jobs/s>`, where a kernel round ends when the workers
 * have completed every job. Job records are written behind the workers (merged, batched); the
 * line before it also gives the end-to-end figure, timed until every record says completed.
 *
 * BENCH_JOBS (default 5000), BENCH_CONCURRENCY (10), BENCH_ROUNDS (3).
 */
import 'reflect-metadata';
import { INestApplicationContext, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { getConnectionToken } from '@nestjs/mongoose';
import { Queue, Worker } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { Connection } from 'mongoose';
import { AppConfig, loadAppConfig } from '../src/config/app-config';
import { MongoModule } from '../src/infra/mongo/mongo.module';
import { deleteKeysWithPrefix } from '../src/infra/redis/delete-prefix';
import { RedisModule } from '../src/infra/redis/redis.module';
import { forBullMQ, patientRedisOptions } from '../src/infra/redis/redis-options';
import { JobKernel } from '../src/queues/kernel/job-kernel.service';
import { QueueRegistry } from '../src/queues/kernel/queue-registry';
import { QueueKernelModule } from '../src/queues/kernel/queue-kernel.module';
import { WorkerBootstrap } from '../src/queues/kernel/worker-bootstrap.service';
import { JOB_NAMES, QUEUE_NAMES } from '../src/queues/queue-names';
import { JobRecordsService } from '../src/queues/records/job-records.service';
import { NoopProcessor } from './noop.processor';

const N = Number(process.env.BENCH_JOBS ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const QUEUE = QUEUE_NAMES.CONTENT_GENERATION;

function benchConfig(prefix: string, role: 'api' | 'worker'): AppConfig {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const url = new URL(process.env.MONGODB_URI?.trim() || 'mongodb://127.0.0.1:27017/click-api');
  url.pathname = `/${prefix}`;
  return loadAppConfig({
    ...process.env,
    JWT_SECRET: randomBytes(32).toString('hex'),
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    MONGODB_URI: url.href,
    REDIS_PREFIX: prefix,
    APP_ROLE: role,
    LOG_LEVEL: 'warn',
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
    ],
    providers: [NoopProcessor],
  })
  class BenchKernelModule {}
  return BenchKernelModule;
}

function dropPrefix(config: AppConfig): Promise<void> {
  return deleteKeysWithPrefix(config.redis, config.redisPrefix);
}

/**
 * Both sides start the same way: jobs are queued while the queue is paused, the worker is started
 * and connected, and the clock starts when the queue is resumed. A round ends when the worker has
 * completed N jobs.
 */
/** CPU time (ms) used so far by this process and by every redis-server and ferretdb process. */
function cpuTimes(): Record<string, number> {
  const usage = process.cpuUsage();
  const times: Record<string, number> = { node: (usage.user + usage.system) / 1000 };
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const name = readFileSync(`/proc/${pid}/comm`, 'utf8')
        .trim()
        .replace(/^ferretdb.*/, 'ferretdb');
      if (name !== 'redis-server' && name !== 'ferretdb') continue;
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      // utime + stime, in clock ticks (10 ms on Linux).
      times[name] = (times[name] ?? 0) + (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      /* the process ended meanwhile */
    }
  }
  return times;
}

function cpuReport(before: Record<string, number>, after: Record<string, number>): string {
  return Object.keys(after)
    .map((name) => `${name} ${Math.round(after[name] - (before[name] ?? 0))} ms`)
    .join(', ');
}

async function timedDrain(
  queue: Queue,
  startWorker: () => Promise<Worker>,
): Promise<{ seconds: number; worker: Worker; cpu: string }> {
  await queue.pause();
  const worker = await startWorker();
  await worker.waitUntilReady();
  let done = 0;
  const finished = new Promise<void>((resolve) =>
    worker.on('completed', () => ++done === N && resolve()),
  );
  const cpuBefore = cpuTimes();
  const start = performance.now();
  await queue.resume();
  await finished;
  const seconds = (performance.now() - start) / 1000;
  return { seconds, worker, cpu: cpuReport(cpuBefore, cpuTimes()) };
}

async function rawRound(round: number): Promise<{ rate: number; cpu: string }> {
  const prefix = `bench_raw_${round}_${randomBytes(3).toString('hex')}`;
  const config = benchConfig(prefix, 'worker');
  const connection = forBullMQ(patientRedisOptions(config.redis));
  const queue = new Queue(QUEUE, { connection, prefix });
  for (let i = 0; i < N; i += 1000) {
    const count = Math.min(1000, N - i);
    await queue.addBulk(
      Array.from({ length: count }, (_, j) => ({
        name: JOB_NAMES.GENERATE_CONTENT,
        data: { n: i + j },
      })),
    );
  }
  const { seconds, worker, cpu } = await timedDrain(queue, () =>
    Promise.resolve(
      new Worker(QUEUE, () => Promise.resolve({ ok: true }), {
        connection,
        prefix,
        concurrency: CONCURRENCY,
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
): Promise<{ worker: number; endToEnd: number; cpu: string }> {
  const prefix = `bench_kernel_${round}_${randomBytes(3).toString('hex')}`;
  // Jobs go in through the kernel (records written) before any worker runs.
  const producerConfig = benchConfig(prefix, 'api');
  const producer = await NestFactory.createApplicationContext(kernelModule(producerConfig), {
    logger: ['error', 'warn'],
  });
  const kernel = producer.get(JobKernel);
  for (let i = 0; i < N; i += 20) {
    await Promise.all(
      Array.from({ length: Math.min(20, N - i) }, (_, j) =>
        kernel.add(QUEUE, JOB_NAMES.GENERATE_CONTENT, {
          text: `job ${i + j}`,
          user: { _id: 'bench' },
          platforms: ['twitter'],
        }),
      ),
    );
  }
  let workerApp: INestApplicationContext | undefined;
  const { seconds, cpu } = await timedDrain(producer.get(QueueRegistry).get(QUEUE), async () => {
    workerApp = await NestFactory.createApplicationContext(
      kernelModule(benchConfig(prefix, 'worker')),
      { logger: ['error', 'warn'] },
    );
    await workerApp.init();
    return workerApp.get(WorkerBootstrap).workerFor(QUEUE)!;
  });
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
  return { worker: N / seconds, endToEnd: N / recordsSeconds, cpu };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function main(): Promise<void> {
  console.log(
    `throughput: ${N} no-op jobs, concurrency ${CONCURRENCY}, ${ROUNDS} rounds each, alternating`,
  );
  const raw: number[] = [];
  const kernel: number[] = [];
  const endToEnd: number[] = [];
  // One untimed round of each first: the JIT warms up, and neither side pays for it.
  await rawRound(0);
  await kernelRound(0);
  for (let round = 1; round <= ROUNDS; round++) {
    const r = await rawRound(round);
    raw.push(r.rate);
    console.log(
      `round ${round} raw    ${r.rate.toFixed(0)} jobs/s   [cpu while draining: ${r.cpu}]`,
    );
    const k = await kernelRound(round);
    kernel.push(k.worker);
    endToEnd.push(k.endToEnd);
    console.log(
      `round ${round} kernel ${k.worker.toFixed(0)} jobs/s; records all written at ${k.endToEnd.toFixed(0)} jobs/s   [cpu while draining: ${k.cpu}]`,
    );
  }
  const rawMedian = median(raw);
  console.log(
    `median raw ${rawMedian.toFixed(0)} jobs/s, kernel ${median(kernel).toFixed(0)} jobs/s, kernel with records written ${median(endToEnd).toFixed(0)} jobs/s (ratio ${(median(endToEnd) / rawMedian).toFixed(2)})`,
  );
  console.log(`ratio ${(median(kernel) / rawMedian).toFixed(2)}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
