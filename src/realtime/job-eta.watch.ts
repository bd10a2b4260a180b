import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Namespace, Socket } from 'socket.io';
import type { AppConfig } from '../config/app-config';
import { JobKernel, JobNotFoundError, StartEstimates } from '../queues';
import type { QueueName, StartEstimate } from '../queues';
import { socketUser } from './socket-auth';

/** An estimate that moved less than this is not worth a message. */
export const ETA_MOVE_MS = 60_000;

const jobRoom = (jobId: string) => `job:${jobId}`;

/** `job:eta`: a watched job's new start estimate, or why it has none. */
export interface JobEtaEvent {
  jobId: string;
  queue: string;
  estimatedStartAt?: string;
  estimateUnavailable?: string;
}

export type WatchAck =
  | ({ ok: true; state: 'pending' | 'running' | 'ended' } & Omit<JobEtaEvent, 'queue'>)
  | { ok: false; error: string };

function asEvent(jobId: string, queue: string, estimate: StartEstimate): JobEtaEvent {
  return 'at' in estimate
    ? { jobId, queue, estimatedStartAt: new Date(estimate.at).toISOString() }
    : { jobId, queue, estimateUnavailable: estimate.unavailable };
}

/** Whether a watcher should hear of the new estimate: it moved by over a minute, or came or went. */
export function etaMoved(last: StartEstimate | undefined, next: StartEstimate): boolean {
  if (!last) return true;
  if ('at' in last && 'at' in next) return Math.abs(next.at - last.at) > ETA_MOVE_MS;
  if ('unavailable' in last && 'unavailable' in next) return last.unavailable !== next.unavailable;
  return true;
}

/**
 * Start estimates over the socket. A client `watch`es one of its jobs (room `job:<id>` in this
 * process); every JOB_ETA_CHECK_INTERVAL_MS the jobs watched here — and only those — get a fresh
 * estimate (one queue read per queue, a few keyed reads per job), and the room hears `job:eta`
 * when it moved by more than a minute since the last one it was told, or became (un)available.
 * A job that ended is dropped and its room emptied; one nobody watches any more is forgotten.
 */
@Injectable()
export class JobEtaWatch implements OnApplicationShutdown {
  private readonly logger = new Logger('JobEtaWatch');
  private readonly watched = new Map<string, { queue: QueueName; last?: StartEstimate }>();
  private timer?: NodeJS.Timeout;
  private checking = false;
  private namespace?: Namespace;

  constructor(
    private readonly kernel: JobKernel,
    private readonly estimates: StartEstimates,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  start(namespace: Namespace): void {
    this.namespace = namespace;
    const everyMs = this.config.get('api', { infer: true }).etaCheckIntervalMs;
    this.timer = setInterval(() => void this.check(), everyMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** The socket's user's job (an admin's: any job) joins the watched; the ack carries the estimate. */
  async watch(socket: Socket, jobId: unknown): Promise<WatchAck> {
    if (typeof jobId !== 'string' || !jobId) return { ok: false, error: 'jobId must be a string' };
    const user = socketUser(socket);
    const status = await this.kernel.find(jobId).catch((error: unknown) => {
      if (error instanceof JobNotFoundError) return undefined;
      throw error;
    });
    if (!status || (status.ownerId !== user.id && user.role !== 'admin'))
      return { ok: false, error: `Job ${jobId} not found` };
    const { place, estimate } = await this.estimates.of(status.queue, jobId);
    if (place === 'ended') return { ok: true, state: 'ended', jobId };
    await socket.join(jobRoom(jobId));
    const entry = this.watched.get(jobId) ?? { queue: status.queue };
    this.watched.set(jobId, entry);
    if (!estimate) return { ok: true, state: 'running', jobId };
    entry.last ??= estimate;
    const { estimatedStartAt, estimateUnavailable } = asEvent(jobId, status.queue, estimate);
    return { ok: true, state: 'pending', jobId, estimatedStartAt, estimateUnavailable };
  }

  async unwatch(socket: Socket, jobId: unknown): Promise<{ ok: boolean }> {
    if (typeof jobId !== 'string') return { ok: false };
    await socket.leave(jobRoom(jobId));
    return { ok: true };
  }

  /** One round over the jobs watched in this process; rounds never overlap. */
  async check(): Promise<void> {
    if (this.checking || !this.namespace) return;
    this.checking = true;
    try {
      const byQueue = new Map<QueueName, string[]>();
      for (const [jobId, { queue }] of this.watched) {
        if (!this.namespace.adapter.rooms.get(jobRoom(jobId))?.size) {
          this.watched.delete(jobId);
          continue;
        }
        byQueue.set(queue, [...(byQueue.get(queue) ?? []), jobId]);
      }
      await Promise.all(
        [...byQueue].map(([queue, jobIds]) =>
          this.checkQueue(queue, jobIds).catch((error: Error) =>
            this.logger.debug(`start estimates of ${queue} not checked: ${error.message}`),
          ),
        ),
      );
    } finally {
      this.checking = false;
    }
  }

  private async checkQueue(queue: QueueName, jobIds: string[]): Promise<void> {
    for (const [jobId, { place, estimate }] of await this.estimates.ofJobs(queue, jobIds)) {
      const entry = this.watched.get(jobId);
      if (!entry) continue;
      if (place === 'ended') {
        this.watched.delete(jobId);
        this.namespace!.in(jobRoom(jobId)).socketsLeave(jobRoom(jobId));
        continue;
      }
      if (!estimate || !etaMoved(entry.last, estimate)) continue;
      entry.last = estimate;
      this.namespace!.to(jobRoom(jobId)).emit('job:eta', asEvent(jobId, queue, estimate));
    }
  }
}
