import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { ApiConfig } from '../config/api-config';
import type { AppConfig } from '../config/app-config';
import {
  BreakerView,
  CircuitBreakers,
  QueueCounts,
  QueueInsights,
  QueueName,
  QueueOperations,
  QueueRegistry,
} from '../queues';
import { AccountHolds } from '../social/account-holds';

export interface QueueOverview {
  name: QueueName;
  counts: QueueCounts;
  paused: boolean;
  concurrency: number;
  rateLimit: { max: number; durationMs: number } | null;
  oldestWaitingAgeMs: number | null;
  workers: number;
}

export interface Dashboard {
  queues: QueueOverview[];
  recentFailures: {
    jobId: string;
    queue: string;
    name: string;
    ownerId: string;
    failedReason?: string;
    finishedAt?: string;
  }[];
  alerts: { queue: QueueName; kind: 'backlog' | 'oldest-waiting'; message: string }[];
  /** Each provider's circuit breaker. */
  breakers: BreakerView[];
  /** Accounts held by their own rate limit, per platform (GET /jobs/breakers/accounts lists them). */
  heldAccounts: { platform: string; count: number }[];
  generatedAt: string;
}

/** Everything an operator looks at first, per queue, with alerts past the configured thresholds. */
@Injectable()
export class QueueDashboardService {
  private readonly alerts: ApiConfig['alerts'];

  constructor(
    private readonly operations: QueueOperations,
    private readonly insights: QueueInsights,
    private readonly registry: QueueRegistry,
    private readonly breakers: CircuitBreakers,
    private readonly holds: AccountHolds,
    config: ConfigService<AppConfig, true>,
  ) {
    this.alerts = config.get('api', { infer: true }).alerts;
  }

  async build(): Promise<Dashboard> {
    const now = Date.now();
    const [queues, failures, breakers, held] = await Promise.all([
      Promise.all(this.registry.names().map((q) => this.overview(q, now))),
      this.insights.recentFailures(10),
      this.breakers.states(),
      this.holds.counts(),
    ]);
    const alerts: Dashboard['alerts'] = [];
    for (const q of queues) {
      if (q.counts.waiting >= this.alerts.backlog) {
        alerts.push({
          queue: q.name,
          kind: 'backlog',
          message: `${q.counts.waiting} jobs waiting (alert at ${this.alerts.backlog})`,
        });
      }
      if (q.oldestWaitingAgeMs !== null && q.oldestWaitingAgeMs >= this.alerts.oldestWaitingMs) {
        alerts.push({
          queue: q.name,
          kind: 'oldest-waiting',
          message: `oldest waiting job is ${Math.round(q.oldestWaitingAgeMs / 1000)} s old (alert at ${Math.round(this.alerts.oldestWaitingMs / 1000)} s)`,
        });
      }
    }
    return {
      queues,
      recentFailures: failures.map((job) => ({
        jobId: job.id,
        queue: job.queue,
        name: job.name,
        ownerId: job.ownerId,
        failedReason: job.failedReason,
        finishedAt: job.timestamps.finished,
      })),
      alerts,
      breakers,
      heldAccounts: held,
      generatedAt: new Date(now).toISOString(),
    };
  }

  private async overview(name: QueueName, now: number): Promise<QueueOverview> {
    const spec = this.registry.spec(name);
    const [counts, oldest, workers] = await Promise.all([
      this.operations.counts(name),
      this.insights.oldestWaitingAt(name),
      this.operations.workers(name),
    ]);
    return {
      name,
      counts,
      paused: counts.paused,
      concurrency: spec.concurrency,
      rateLimit: spec.rateLimit ?? null,
      oldestWaitingAgeMs: oldest === null ? null : now - oldest,
      workers,
    };
  }
}
