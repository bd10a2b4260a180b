import type { Telemetry, WorkerOptions } from 'bullmq';
import type { RedisConfig } from '../../config/redis-config';
import { forBullMQ, patientRedisOptions } from '../../infra/redis/redis-options';
import type { JobsConfig } from '../../config/queue-config';
import type { QueueSpec } from '../contracts/queue-catalogue';

export function buildWorkerOptions(
  spec: QueueSpec,
  redis: RedisConfig,
  prefix: string,
  stalls: Pick<JobsConfig, 'maxStalls' | 'lockDurationMs' | 'stalledCheckMs'>,
  telemetry?: Telemetry,
): WorkerOptions {
  return {
    prefix,
    telemetry,
    concurrency: spec.concurrency,
    // A job whose worker died is not at fault: it runs again (its attempts untouched) up to
    // JOB_MAX_STALLS times, BullMQ's default being once. Past that it is a job that takes its
    // worker down, and is failed (JobLifecycle says so in its reason).
    maxStalledCount: stalls.maxStalls,
    lockDuration: stalls.lockDurationMs,
    stalledInterval: stalls.stalledCheckMs,
    limiter: spec.rateLimit
      ? { max: spec.rateLimit.max, duration: spec.rateLimit.durationMs }
      : undefined,
    // Workers wait through a Redis outage instead of failing every command.
    connection: forBullMQ({
      ...patientRedisOptions(redis),
      connectionName: `click-api:worker:${spec.name}`,
    }),
  };
}

/** A worker of a queue outside the catalogue: its @Processor's own concurrency, our connection. */
export function internalWorkerOptions(
  queue: string,
  redis: RedisConfig,
  prefix: string,
  stalls: Pick<JobsConfig, 'maxStalls' | 'lockDurationMs' | 'stalledCheckMs'>,
  telemetry?: Telemetry,
): WorkerOptions {
  const options = buildWorkerOptions(
    { name: queue } as QueueSpec,
    redis,
    prefix,
    stalls,
    telemetry,
  );
  delete options.concurrency;
  delete options.limiter;
  return options;
}
