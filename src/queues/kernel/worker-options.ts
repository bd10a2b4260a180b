import type { ConnectionOptions, Telemetry, WorkerOptions } from 'bullmq';
import type { ClientSettings } from '../../infra/redis/redis-client';
import type { JobsConfig } from '../../config/queue-config';
import type { QueueSpec } from '../contracts/queue-catalogue';

export function buildWorkerOptions(
  spec: QueueSpec,
  connect: (settings: ClientSettings) => ConnectionOptions,
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
    connection: connect({ name: `click-api:worker:${spec.name}`, patience: 'patient' }),
  };
}

/** A worker of a queue outside the catalogue: its @Processor's own concurrency, our connection. */
export function internalWorkerOptions(
  queue: string,
  connect: (settings: ClientSettings) => ConnectionOptions,
  prefix: string,
  stalls: Pick<JobsConfig, 'maxStalls' | 'lockDurationMs' | 'stalledCheckMs'>,
  telemetry?: Telemetry,
): WorkerOptions {
  const options = buildWorkerOptions(
    { name: queue } as QueueSpec,
    connect,
    prefix,
    stalls,
    telemetry,
  );
  delete options.concurrency;
  delete options.limiter;
  return options;
}
