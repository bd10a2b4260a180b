import type { QueueSpec, RateLimit } from '../queues/contracts/queue-catalogue';
import { EnvReader } from './env-reader';

/** A deployment's QUEUE_<NAME>_* settings for one queue. */
export interface QueueOverride {
  concurrency?: number;
  rateMax?: number;
  rateDurationMs?: number;
  timeoutMs?: number;
  maxLatenessMs?: number;
}

export interface JobsConfig {
  /**
   * QUEUE_<NAME>_CONCURRENCY / _RATE_MAX / _RATE_DURATION_MS / _TIMEOUT_MS / _MAX_LATENESS_MS, by <NAME> (the queue name
   * upper-cased, dashes to underscores). Read for any name: the queues are known only once the app
   * has found them, and the kernel's QueueCatalogue refuses a setting that names no queue.
   */
  queueOverrides: Record<string, QueueOverride>;
  /** The longest run timeout a job may ask for (AddJobOptions.timeoutMs). */
  maxTimeoutMs: number;
  /** First retry waits this long; each next one twice as long. */
  backoffDelayMs: number;
  /** Job records stay in MongoDB this long after Redis has dropped the job. */
  recordRetentionDays: number;
  /** How long an API process may answer from its copy of a finished job's record (0: never). */
  recordCacheMs: number;
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
  /** Circuit breakers per provider (BREAKER_*). */
  breaker: BreakerConfig;
}

export interface BreakerConfig {
  /** Calls looked at: those of the last `windowMs`. */
  windowMs: number;
  /** The breaker opens only with at least this many calls in the window… */
  minCalls: number;
  /** …of which at least this share (in %) failed for the provider's reasons. */
  failurePercent: number;
  /** Open this long (at least; a 429's Retry-After can make it longer), then one trial call. */
  cooldownMs: number;
}

/** <NAME> in QUEUE_<NAME>_...: the queue name upper-cased, dashes to underscores. */
export function queueEnvKey(queue: string): string {
  return queue.toUpperCase().replace(/-/g, '_');
}

export function queueEnvName(queue: string, setting: string): string {
  return `QUEUE_${queueEnvKey(queue)}_${setting}`;
}

const SETTING =
  /^QUEUE_([A-Z0-9_]+)_(CONCURRENCY|RATE_MAX|RATE_DURATION_MS|TIMEOUT_MS|MAX_LATENESS_MS)$/;

function readOverrides(env: EnvReader): Record<string, QueueOverride> {
  const overrides: Record<string, QueueOverride> = {};
  for (const variable of env.names()) {
    const match = SETTING.exec(variable);
    if (!match) continue;
    const override = (overrides[match[1]] ??= {});
    if (match[2] === 'CONCURRENCY') override.concurrency = env.int(variable, 1, 1, 1000);
    else if (match[2] === 'RATE_MAX') override.rateMax = env.int(variable, 1, 1, 1_000_000);
    else if (match[2] === 'RATE_DURATION_MS')
      override.rateDurationMs = env.int(variable, 1, 1, 86_400_000);
    else if (match[2] === 'TIMEOUT_MS') override.timeoutMs = env.int(variable, 1, 100, 86_400_000);
    else override.maxLatenessMs = env.int(variable, 1, 1000, 365 * 86_400_000);
  }
  return overrides;
}

/** A queue's catalogue row with a deployment's overrides applied. */
export function applyQueueOverride(spec: QueueSpec, override: QueueOverride = {}): QueueSpec {
  let rateLimit: RateLimit | undefined = spec.rateLimit;
  if (override.rateMax !== undefined || override.rateDurationMs !== undefined) {
    rateLimit = {
      max: override.rateMax ?? spec.rateLimit?.max ?? 1,
      durationMs: override.rateDurationMs ?? spec.rateLimit?.durationMs ?? 60_000,
    };
  }
  return {
    ...spec,
    concurrency: override.concurrency ?? spec.concurrency,
    rateLimit,
    timeoutMs: override.timeoutMs ?? spec.timeoutMs,
    maxLatenessMs: override.maxLatenessMs ?? spec.maxLatenessMs,
  };
}

export function readJobsConfig(env: EnvReader): JobsConfig {
  return {
    queueOverrides: readOverrides(env),
    maxTimeoutMs: env.int('JOB_MAX_TIMEOUT_MS', 6 * 3_600_000, 1000, 7 * 86_400_000),
    backoffDelayMs: env.int('JOB_BACKOFF_DELAY_MS', 5000, 0),
    recordRetentionDays: env.int('JOB_RECORD_RETENTION_DAYS', 90, 1),
    recordCacheMs: env.int('JOB_RECORD_CACHE_MS', 300_000, 0, 86_400_000),
    reconcileIntervalMs: env.int('JOB_RECONCILE_INTERVAL_MS', 30_000, 100),
    reconcileGraceMs: env.int('JOB_RECONCILE_GRACE_MS', 30_000, 0),
    maxStalls: env.int('JOB_MAX_STALLS', 5, 0, 1000),
    lockDurationMs: env.int('JOB_LOCK_DURATION_MS', 30_000, 1000),
    stalledCheckMs: env.int('JOB_STALLED_CHECK_MS', 30_000, 500),
    breaker: {
      windowMs: env.int('BREAKER_WINDOW_MS', 60_000, 1000, 3_600_000),
      minCalls: env.int('BREAKER_MIN_CALLS', 10, 1, 100_000),
      failurePercent: env.int('BREAKER_FAILURE_PERCENT', 50, 1, 100),
      cooldownMs: env.int('BREAKER_COOLDOWN_MS', 30_000, 100, 3_600_000),
    },
  };
}
