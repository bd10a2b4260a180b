import { Injectable, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AppConfig } from '../../config/app-config';

/** Job outcomes counted per queue and job name. */
export type JobOutcome = 'completed' | 'failed' | 'retried' | 'cancelled' | 'expired';

/**
 * The process's Prometheus metrics, in a registry of its own (not prom-client's global one, so
 * several apps in one process — the tests — do not collide). Labels are bounded: queue, job name,
 * outcome, HTTP method, route template and status class; never ids.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly jobs = new Counter({
    name: 'click_jobs_total',
    help: 'Jobs that ended an attempt, by outcome (completed, failed, retried, cancelled)',
    labelNames: ['queue', 'name', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly processing = new Histogram({
    name: 'click_job_processing_seconds',
    help: 'Time from a job attempt starting to the job ending',
    labelNames: ['queue', 'name'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800],
    registers: [this.registry],
  });

  readonly wait = new Histogram({
    name: 'click_job_wait_seconds',
    help: 'Time from a job being queued (or due) to a worker starting it',
    labelNames: ['queue', 'name'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800],
    registers: [this.registry],
  });

  readonly http = new Histogram({
    name: 'click_http_request_duration_seconds',
    help: 'HTTP requests by method, route template and status class',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly activeJobs = new Gauge({
    name: 'click_worker_active_jobs',
    help: 'Jobs this process is running now (worker concurrency in use), by queue',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });

  readonly recordFlush = new Histogram({
    name: 'click_record_flush_seconds',
    help: 'Time to write one batch of final job records to MongoDB',
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });

  readonly timedOut = new Counter({
    name: 'click_jobs_timed_out_total',
    help: 'Runs stopped at their timeout (each counts as a failed attempt)',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });

  readonly principals = new Counter({
    name: 'click_auth_principals_total',
    help: 'Signed-in requests by where their user came from: hit (the process copy), miss (read, kept), bypass (read: copy not in use)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly recordCopies = new Counter({
    name: 'click_job_record_copies_total',
    help: "Reads of a listed job's record by where it came from: hit (the process copy), miss (Redis, then MongoDB), bypass (copy not in use)",
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly accountLimits = new Counter({
    name: 'click_social_account_limits_total',
    help: "429s that held one account's posts (its own rate limit), by platform",
    labelNames: ['platform'] as const,
    registers: [this.registry],
  });

  readonly reconcilerRepairs = new Counter({
    name: 'click_reconciler_repairs_total',
    help: 'What the reconciler fixed: jobs queued again, records repaired, empty listings dropped',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly taskRuns = new Counter({
    name: 'click_task_runs_total',
    help: 'Maintenance task runs (cron ticks, admins) by outcome; skipped ticks too',
    labelNames: ['task', 'trigger', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly taskDuration = new Histogram({
    name: 'click_task_duration_seconds',
    help: 'How long maintenance task runs took',
    labelNames: ['task'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600],
    registers: [this.registry],
  });

  readonly breakerChanges = new Counter({
    name: 'click_breaker_transitions_total',
    help: 'Circuit breaker state changes per provider (to open or closed)',
    labelNames: ['provider', 'state'] as const,
    registers: [this.registry],
  });

  readonly sockets = new Gauge({
    name: 'click_socket_connections',
    help: 'Open socket.io connections on /jobs in this process',
    registers: [this.registry],
  });

  /** METRICS_ENABLED=false: nothing is counted and GET /metrics answers 404. */
  readonly enabled: boolean;

  constructor(@Optional() config?: ConfigService<AppConfig, true>) {
    this.enabled = config?.get('metricsEnabled', { infer: true }) ?? true;
    if (this.enabled) collectDefaultMetrics({ register: this.registry, prefix: 'click_' });
    else switchOff(this);
  }

  /** Reports `read()` as a gauge at scrape time (e.g. the record write-behind backlog). */
  gaugeOf(name: string, help: string, read: () => number): void {
    if (this.registry.getSingleMetric(name)) return;
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  /** The same, one series per value of `label`, read asynchronously (e.g. from Redis). */
  gaugesOf(
    name: string,
    help: string,
    label: string,
    read: () => Promise<[string, number][]>,
  ): void {
    if (!this.enabled || this.registry.getSingleMetric(name)) return;
    new Gauge({
      name,
      help,
      labelNames: [label],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const [value, count] of await read().catch(() => []))
          this.set({ [label]: value }, count);
      },
    });
  }

  jobEnded(queue: string, name: string, outcome: JobOutcome): void {
    this.jobs.inc({ queue, name, outcome });
  }
}

/** What a switched-off metric does where it is updated: nothing (the job path pays no label hashing). */
const OFF = {
  inc: () => undefined,
  observe: () => undefined,
  set: () => undefined,
  startTimer: () => () => 0,
};

function switchOff(metrics: Metrics): void {
  metrics.registry.clear();
  for (const key of Object.keys(metrics) as (keyof Metrics)[]) {
    const value = metrics[key];
    if (value instanceof Counter || value instanceof Gauge || value instanceof Histogram)
      Object.assign(metrics, { [key]: OFF });
  }
}
