/**
 * The product's priority scale: a higher number runs first, FIFO within a level.
 * BullMQ's scale is the other way round (1 runs first) and it runs jobs without a priority before
 * every prioritised one, so every job gets a BullMQ priority of 1..4 — never "none".
 */
export const JOB_PRIORITY = {
  CRITICAL: 10,
  HIGH: 5,
  NORMAL: 0,
  LOW: -5,
} as const;

export type JobPriority = (typeof JOB_PRIORITY)[keyof typeof JOB_PRIORITY];

const BULL_PRIORITY: Record<JobPriority, number> = { 10: 1, 5: 2, 0: 3, [-5]: 4 };

export const PRIORITY_VALUES: readonly JobPriority[] = [10, 5, 0, -5];

export function isJobPriority(value: unknown): value is JobPriority {
  return typeof value === 'number' && (PRIORITY_VALUES as readonly number[]).includes(value);
}

export function toBullPriority(priority: JobPriority): number {
  return BULL_PRIORITY[priority];
}

export function fromBullPriority(bullPriority: number | undefined): JobPriority {
  const found = PRIORITY_VALUES.find((p) => BULL_PRIORITY[p] === bullPriority);
  return found ?? JOB_PRIORITY.NORMAL;
}
