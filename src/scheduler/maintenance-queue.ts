import type { JobsOptions } from 'bullmq';
import type { TaskName } from './maintenance-task';

/**
 * The BullMQ queue the crons' ticks travel on: each tick of a task is one job whose id names the
 * task and the tick's slot, so every instance firing for the same slot adds the same job and
 * BullMQ keeps one (a later add of an id it holds is a no-op). A worker that dies mid-run leaves
 * the job to BullMQ's stall check, which hands it to another worker; a failed run is retried.
 * Runs show in Bull Board. Not a product queue: no owner, records or fair share.
 */
export const MAINTENANCE_QUEUE = 'maintenance';

/** What a tick's job carries: the scheduled time it belongs to (ISO). */
export interface TickData {
  slot: string;
}

/** A tick's job id: the task and its slot in ms (BullMQ refuses a custom id with a colon). */
export function tickJobId(task: TaskName, slot: Date): string {
  return `${task}@${slot.getTime()}`;
}

/** Ticks are kept two days: long enough that no late instance can add one again. */
const TICK_KEEP_S = 48 * 3600;

export const TICK_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 5_000 },
  removeOnComplete: { age: TICK_KEEP_S },
  removeOnFail: { age: TICK_KEEP_S },
};
