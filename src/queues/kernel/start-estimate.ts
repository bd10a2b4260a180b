import type { RateLimit } from '../contracts/queue-catalogue';

/** What a queue looks like at one moment, as far as the start of a waiting job depends on it. */
export interface QueueLoad {
  now: number;
  paused: boolean;
  /** Jobs the queue runs at once: connected workers × the catalogue's concurrency. */
  slots: number;
  /** Recent average run time of the queue's jobs (ms); undefined until one has finished. */
  averageMs?: number;
  /** How long each running job has run so far (ms). */
  activeElapsedMs: number[];
  /** Jobs waiting to run (wait list + prioritised). */
  waiting: number;
  rateLimit?: RateLimit;
  /** Jobs started in the rate limiter's current window, and when that window ends (ms from now; 0: none open). */
  limiter: { used: number; resetsInMs: number };
}

export type StartEstimate = { at: number } | { unavailable: string };

export const ESTIMATE_UNAVAILABLE = {
  paused: 'queue is paused',
  noWorkers: 'no worker is running for this queue',
  noAverage: 'no job of this queue has finished yet, so there is no run time to go by',
} as const;

/**
 * When a job is expected to start: a waiting job by its place in line (1 = next), a delayed one
 * from its run time (it joins the line behind everything waiting now, so it starts at its run time
 * or when today's line has cleared, whichever is later). The later of two limits:
 *
 * - slots: every job ahead takes the average run time; each running job holds its slot for what is
 *   left of that average. With every slot free after at most one average, slot i frees at F[i],
 *   F[i] + avg, F[i] + 2·avg…, so the p-th start is F[(p-1) mod slots] + ⌊(p-1)/slots⌋·avg (F sorted).
 * - rate limit: BullMQ's window opens with its first start and lets `max` jobs start until it
 *   ends; the p-th start from now falls in the window that has room for it.
 */
export function estimateStart(
  load: QueueLoad,
  job: { position: number } | { runAt: number },
): StartEstimate {
  if (load.paused) return { unavailable: ESTIMATE_UNAVAILABLE.paused };
  if (load.slots < 1) return { unavailable: ESTIMATE_UNAVAILABLE.noWorkers };
  const position = 'position' in job ? Math.max(1, job.position) : load.waiting + 1;
  const bySlots = slotWait(load, position);
  if (bySlots === undefined) return { unavailable: ESTIMATE_UNAVAILABLE.noAverage };
  const wait = Math.max(bySlots, rateWait(load, position));
  const at = Math.round(load.now + wait);
  return { at: 'runAt' in job ? Math.max(job.runAt, at) : at };
}

/** Milliseconds until a slot is free for the job at `position`; undefined when that needs an average. */
function slotWait(load: QueueLoad, position: number): number | undefined {
  const busy = load.activeElapsedMs.length;
  // Free slots take the first jobs in line at once, average or not.
  if (busy + position <= load.slots) return 0;
  const average = load.averageMs;
  if (average === undefined) return undefined;
  // A job past the average is about to end (for all we know): its slot counts as free now.
  const freeAt = Array.from({ length: load.slots }, (_, i) =>
    i < busy ? Math.min(average, Math.max(0, average - load.activeElapsedMs[i])) : 0,
  ).sort((a, b) => a - b);
  const ahead = position - 1;
  return freeAt[ahead % load.slots] + Math.floor(ahead / load.slots) * average;
}

/** Milliseconds until the rate limiter lets the `position`-th next start through. */
function rateWait(load: QueueLoad, position: number): number {
  const limit = load.rateLimit;
  if (!limit) return 0;
  // No open window: the next start opens one, now.
  const open = load.limiter.resetsInMs > 0;
  const used = open ? load.limiter.used : 0;
  const resetsIn = open ? load.limiter.resetsInMs : limit.durationMs;
  if (used + position <= limit.max) return 0;
  return resetsIn + Math.floor((used + position - 1 - limit.max) / limit.max) * limit.durationMs;
}
