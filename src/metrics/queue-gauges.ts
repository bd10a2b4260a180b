import { Injectable, OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { Metrics } from '../infra/metrics/metrics';
import {
  CircuitBreakers,
  QueueCounts,
  QueueInsights,
  QueueName,
  QueueOperations,
  QueueRegistry,
} from '../queues';

/** Scrapes closer together than this share one read of Redis (ten scrapers, one read). */
const CACHE_MS = 2000;

interface Snapshot {
  /** The catalogue's queues (fixed once the app is up). */
  names: QueueName[];
  counts: Record<QueueName, QueueCounts>;
  oldest: Record<QueueName, number | null>;
  workers: Record<QueueName, number>;
}

/**
 * Per-queue gauges read from Redis at scrape time (BullMQ's counts; the oldest waiting job's age),
 * cached for CACHE_MS so many scrapers do not multiply the load.
 */
@Injectable()
export class QueueGauges implements OnModuleInit {
  private cached?: { at: number; value: Promise<Snapshot> };

  constructor(
    private readonly metrics: Metrics,
    private readonly operations: QueueOperations,
    private readonly insights: QueueInsights,
    private readonly registry: QueueRegistry,
    private readonly breakers: CircuitBreakers,
  ) {}

  onModuleInit(): void {
    const read = () => this.snapshot();
    new Gauge({
      name: 'click_queue_jobs',
      help: 'Jobs in each queue by state (waiting includes prioritized)',
      labelNames: ['queue', 'state'] as const,
      registers: [this.metrics.registry],
      async collect() {
        const { names, counts } = await read();
        for (const queue of names)
          for (const state of ['waiting', 'active', 'delayed', 'failed', 'completed'] as const)
            this.set({ queue, state }, counts[queue][state]);
      },
    });
    new Gauge({
      name: 'click_queue_paused',
      help: '1 while the queue is paused',
      labelNames: ['queue'] as const,
      registers: [this.metrics.registry],
      async collect() {
        const { names, counts } = await read();
        for (const queue of names) this.set({ queue }, counts[queue].paused ? 1 : 0);
      },
    });
    new Gauge({
      name: 'click_queue_oldest_waiting_seconds',
      help: 'Age of the oldest waiting job (0 when none waits)',
      labelNames: ['queue'] as const,
      registers: [this.metrics.registry],
      async collect() {
        const { names, oldest } = await read();
        for (const queue of names) {
          const at = oldest[queue];
          this.set({ queue }, at === null ? 0 : Math.max(0, (Date.now() - at) / 1000));
        }
      },
    });
    const breakers = this.breakers;
    new Gauge({
      name: 'click_breaker_open',
      help: "1 while a provider's circuit breaker holds its jobs back (open or half-open), else 0",
      labelNames: ['provider'] as const,
      registers: [this.metrics.registry],
      async collect() {
        for (const view of await breakers.states())
          this.set({ provider: view.provider }, view.state === 'closed' ? 0 : 1);
      },
    });
    new Gauge({
      name: 'click_queue_workers',
      help: 'Worker connections BullMQ sees for the queue, across every process (0: nobody runs its jobs)',
      labelNames: ['queue'] as const,
      registers: [this.metrics.registry],
      async collect() {
        const { names, workers } = await read();
        for (const queue of names) this.set({ queue }, workers[queue]);
      },
    });
  }

  private snapshot(): Promise<Snapshot> {
    if (this.cached && Date.now() - this.cached.at < CACHE_MS) return this.cached.value;
    const value = (async () => {
      const names = this.registry.names();
      const counts = await this.operations.allCounts();
      const oldest = Object.fromEntries(
        await Promise.all(
          names.map(async (q) => [q, await this.insights.oldestWaitingAt(q)] as const),
        ),
      ) as Snapshot['oldest'];
      // CLIENT LIST once per queue: fine at scrape time, and the cache keeps it to one per 2 s.
      const workers = Object.fromEntries(
        await Promise.all(names.map(async (q) => [q, await this.operations.workers(q)] as const)),
      ) as Snapshot['workers'];
      return { names, counts, oldest, workers };
    })();
    this.cached = { at: Date.now(), value };
    // A failed read is not cached: the next scrape tries again.
    value.catch(() => (this.cached = undefined));
    return value;
  }
}
