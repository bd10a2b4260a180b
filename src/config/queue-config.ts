import { QUEUE_CATALOGUE, QueueSpec, RateLimit } from '../queues/contracts/queue-catalogue';
import { ALL_QUEUES, QueueName } from '../queues/contracts/queue-names';
import { EnvReader } from './env-reader';

export interface JobsConfig {
  /** Catalogue numbers with this deployment's QUEUE_<NAME>_* overrides applied. */
  queues: Record<QueueName, QueueSpec>;
  /** First retry waits this long; each next one twice as long. */
  backoffDelayMs: number;
  /** Job records stay in MongoDB this long after Redis has dropped the job. */
  recordRetentionDays: number;
  /** How often the reconciler compares job records with Redis. */
  reconcileIntervalMs: number;
  /** An unfinished record not confirmed against Redis for this long is checked (and repaired). */
  reconcileGraceMs: number;
  /** How often a job may lose its worker (a crash, kill -9) and run again before it is failed. */
  maxStalls: number;
  /** A running job's lock lasts this long unless its worker renews it; then it counts as stalled. */
  lockDurationMs: number;
  /** How often workers look for stalled jobs. */
  stalledCheckMs: number;
}

/** QUEUE_<NAME>_...: the queue name upper-cased, dashes to underscores. */
export function queueEnvName(queue: QueueName, setting: string): string {
  return `QUEUE_${queue.toUpperCase().replace(/-/g, '_')}_${setting}`;
}

function readQueue(env: EnvReader, spec: QueueSpec): QueueSpec {
  const concurrency = env.int(queueEnvName(spec.name, 'CONCURRENCY'), spec.concurrency, 1, 1000);
  const max = env.optionalInt(queueEnvName(spec.name, 'RATE_MAX'), 1, 1_000_000);
  const durationMs = env.optionalInt(queueEnvName(spec.name, 'RATE_DURATION_MS'), 1, 86_400_000);
  let rateLimit: RateLimit | undefined = spec.rateLimit;
  if (max !== undefined || durationMs !== undefined) {
    rateLimit = {
      max: max ?? spec.rateLimit?.max ?? 1,
      durationMs: durationMs ?? spec.rateLimit?.durationMs ?? 60_000,
    };
  }
  return { ...spec, concurrency, rateLimit };
}

export function readJobsConfig(env: EnvReader): JobsConfig {
  const queues = Object.fromEntries(
    ALL_QUEUES.map((name) => [name, readQueue(env, QUEUE_CATALOGUE[name])]),
  ) as Record<QueueName, QueueSpec>;
  return {
    queues,
    backoffDelayMs: env.int('JOB_BACKOFF_DELAY_MS', 5000, 0),
    recordRetentionDays: env.int('JOB_RECORD_RETENTION_DAYS', 90, 1),
    reconcileIntervalMs: env.int('JOB_RECONCILE_INTERVAL_MS', 30_000, 100),
    reconcileGraceMs: env.int('JOB_RECONCILE_GRACE_MS', 30_000, 0),
    maxStalls: env.int('JOB_MAX_STALLS', 5, 0, 1000),
    lockDurationMs: env.int('JOB_LOCK_DURATION_MS', 30_000, 1000),
    stalledCheckMs: env.int('JOB_STALLED_CHECK_MS', 30_000, 500),
  };
}
