import type { Job, JobProgress } from 'bullmq';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { RedisClient } from '../../infra/redis/redis-client';
import type { AppConfig } from '../../config/app-config';
import { REDIS_CLIENT } from '../../infra/redis/redis.module';
import { ownerOf } from '../contracts/owner';
import type { QueueName } from '../contracts/queue-names';
import { JobState, SYSTEM_OWNER } from '../records/job-record.schema';
import { ErasedOwners } from '../records/erased-owners';

export const JOB_EVENT_TYPES = [
  'job:active',
  'job:progress',
  'job:completed',
  'job:failed',
  'job:retrying',
  'job:cancelled',
  'job:expired',
] as const;
export type JobEventType = (typeof JOB_EVENT_TYPES)[number];

/** What the realtime layer forwards to a job's owner (and to admins). */
export interface JobEvent {
  type: JobEventType;
  jobId: string;
  queue: QueueName;
  name: string;
  ownerId: string;
  state: JobState;
  progress?: JobProgress;
  attemptsMade: number;
  result?: unknown;
  failedReason?: string;
  /** Terminal events: when the job ended (names one ending, so a repeated event can be told apart). */
  finishedAt?: string;
  at: string;
}

/** An event about `job` as BullMQ holds it now; terminal ones carry the time the job ended. */
export function jobEvent(
  type: JobEventType,
  queue: QueueName,
  job: Job,
  extra: Partial<JobEvent>,
): Omit<JobEvent, 'at'> {
  return {
    type,
    jobId: job.id!,
    queue,
    name: job.name,
    ownerId: ownerOf((job.data ?? {}) as object) ?? SYSTEM_OWNER,
    attemptsMade: job.attemptsMade,
    state: 'active',
    ...(job.finishedOn ? { finishedAt: new Date(job.finishedOn).toISOString() } : {}),
    ...extra,
  };
}

/** The Redis stream the events travel on (one entry per batch, field `events`: a JSON array). */
export function jobEventsStream(prefix: string): string {
  return `${prefix}:job-events`;
}

/** Events wait at most this long, so a busy worker sends one entry per batch, not per event. */
const BATCH_MS = 20;
const BATCH_MAX = 200;
/** Entries kept in the stream (about): readers are live processes, minutes of history is plenty. */
export const EVENTS_STREAM_LENGTH = 10_000;
/** Events kept while Redis is away, resent in order when it is back; older ones are dropped. */
const UNSENT_MAX = 20_000;
const RESEND_MS = 1000;
/**
 * Endings sent this recently are sent again when the connection to Redis comes back: a Redis
 * that restarted without its data (or lost its last second of AOF) took entries the readers may
 * not have read yet. Readers drop a repeated ending (same job, type and end time).
 */
const ENDINGS_KEPT_MS = 10_000;
const TERMINAL: ReadonlySet<JobEventType> = new Set([
  'job:completed',
  'job:failed',
  'job:cancelled',
  'job:expired',
]);

/**
 * Publishes job events on one Redis stream, so any process (the API holding the user's websocket)
 * hears what a worker process did. A stream rather than pub/sub: a reader that lost its connection
 * (Redis restarted) goes on from the last entry it read instead of missing what happened
 * meanwhile. Each entry is a JSON array of events in the order they happened: batching keeps
 * Redis traffic to one command per 20 ms however many jobs run. A batch Redis refused is kept
 * (bounded) and sent again in order. The job record stays the truth; the reconciler publishes the
 * terminal event of a job whose worker died before it could.
 */
@Injectable()
export class JobEventsPublisher implements OnApplicationShutdown {
  private readonly stream: string;
  private readonly logger = new Logger('JobEvents');
  private batch: JobEvent[] = [];
  private timer?: NodeJS.Timeout;
  private sending = false;
  /** Endings Redis acknowledged in the last ENDINGS_KEPT_MS, oldest first. */
  private recentEndings: { event: JobEvent; sentAt: number }[] = [];
  private wasReady: boolean;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    config: ConfigService<AppConfig, true>,
    private readonly erased: ErasedOwners,
  ) {
    this.stream = jobEventsStream(config.get('redisKeys', { infer: true }).base);
    this.wasReady = redis.status === 'ready';
    redis.on('ready', () => {
      if (this.wasReady) this.resendRecentEndings();
      this.wasReady = true;
    });
  }

  publish(event: Omit<JobEvent, 'at'>): void {
    this.batch.push({ ...event, at: new Date().toISOString() });
    if (this.batch.length >= BATCH_MAX && !this.sending) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  /**
   * Sends one event now and resolves once Redis has it, for a caller that must not go on before
   * (the reconciler announces a job's ending before the write that ends its checks).
   */
  async publishNow(event: Omit<JobEvent, 'at'>): Promise<void> {
    await this.append([{ ...event, at: new Date().toISOString() }]);
  }

  private async append(batch: JobEvent[]): Promise<unknown> {
    // Events of an erased owner's jobs (a worker finishing one after the erase) go nowhere.
    const events = await this.erased.keep(batch, (e) => e.ownerId);
    if (!events.length) return;
    const added = await this.redis.xadd(
      this.stream,
      'MAXLEN',
      '~',
      String(EVENTS_STREAM_LENGTH),
      '*',
      'events',
      JSON.stringify(events),
    );
    this.keepEndings(events);
    return added;
  }

  private keepEndings(events: JobEvent[]): void {
    const now = Date.now();
    for (const event of events)
      if (TERMINAL.has(event.type)) this.recentEndings.push({ event, sentAt: now });
    const stale = this.recentEndings.findIndex((e) => now - e.sentAt <= ENDINGS_KEPT_MS);
    this.recentEndings.splice(0, stale < 0 ? this.recentEndings.length : stale);
  }

  /** After a reconnect: the recent endings go out again, ahead of what waits to be sent. */
  private resendRecentEndings(): void {
    const now = Date.now();
    const again = this.recentEndings
      .filter((e) => now - e.sentAt <= ENDINGS_KEPT_MS)
      .map((e) => e.event);
    this.recentEndings = [];
    if (!again.length) return;
    this.batch.unshift(...again);
    this.timer ??= setTimeout(() => this.flush(), 0);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch.length === 0 || this.sending) return;
    const events = this.batch.splice(0, BATCH_MAX);
    this.sending = true;
    this.append(events).then(
      () => {
        this.sending = false;
        if (this.batch.length) this.timer ??= setTimeout(() => this.flush(), 0);
      },
      (error: Error) => {
        this.sending = false;
        this.batch.unshift(...events);
        const dropped = this.batch.length - UNSENT_MAX;
        if (dropped > 0) {
          this.batch.splice(0, dropped);
          this.logger.warn(`${dropped} job events dropped: Redis away (${error.message})`);
        }
        this.timer ??= setTimeout(() => this.flush(), RESEND_MS);
      },
    );
  }

  /** Sends what is still held (a second at most: Redis may be away at shutdown too). */
  async onApplicationShutdown(): Promise<void> {
    const until = Date.now() + 1000;
    while ((this.batch.length || this.sending) && Date.now() < until) {
      this.flush();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    clearTimeout(this.timer);
  }
}
