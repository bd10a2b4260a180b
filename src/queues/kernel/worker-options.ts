import type { Telemetry, WorkerOptions } from 'bullmq';
import type { RedisConfig } from '../../config/redis-config';
import { forBullMQ, patientRedisOptions } from '../../infra/redis/redis-options';
import type { JobsConfig } from '../../config/queue-config';
import type { QueueSpec } from '../contracts/queue-catalogue';
import type { QueueName } from '../contracts/queue-names';

/**
 * @nestjs/bullmq reads a processor's worker options when BullRegistrar.register() runs, not when
 * the @Processor decorator is evaluated. Each queue's decorator gets one of these objects, which
 * WorkerBootstrap fills from the validated config (env overrides included) just before register().
 */
const slots = new Map<QueueName, WorkerOptions>();

export function workerOptionsSlot(queue: QueueName): WorkerOptions {
  if (!slots.has(queue)) slots.set(queue, {} as WorkerOptions);
  return slots.get(queue)!;
}

export function fillWorkerOptions(queue: QueueName, options: WorkerOptions): void {
  const slot = workerOptionsSlot(queue) as unknown as Record<string, unknown>;
  for (const key of Object.keys(slot)) delete slot[key];
  Object.assign(slot, options);
}

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
