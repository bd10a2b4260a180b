/**
 * The product's priority scale: a higher number runs first. Within a level, owners take turns
 * (see FairShare): a user's k-th waiting job runs before anybody's (k+1)-th, and each user's own
 * jobs keep their order.
 *
 * BullMQ's scale is the other way round (1 runs first, up to 2^21 - 1) and it runs jobs without a
 * priority before every prioritised one, so every job gets a BullMQ priority — never "none". Each
 * level owns a band of 2^19 BullMQ priorities; a job's place in its band is its owner's turn
 * (ordinal), so BullMQ's own order (priority, then arrival) is level, then turn, then arrival.
 */
export const JOB_PRIORITY = {
  CRITICAL: 10,
  HIGH: 5,
  NORMAL: 0,
  LOW: -5,
} as const;

export type JobPriority = (typeof JOB_PRIORITY)[keyof typeof JOB_PRIORITY];

export const PRIORITY_VALUES: readonly JobPriority[] = [10, 5, 0, -5];

/** BullMQ priorities a level's band spans. */
export const PRIORITY_BAND = 2 ** 19;
/**
 * Earlier versions gave each level one BullMQ priority, 1..4; priorities below this are read that
 * way, so jobs queued before an upgrade keep their level (and run before the new bands).
 */
const LEGACY_CEILING = 16;
/** Turns a band holds; a turn beyond the last shares the last (FIFO among them). */
export const TURNS_PER_BAND = PRIORITY_BAND - LEGACY_CEILING;

export function isJobPriority(value: unknown): value is JobPriority {
  return typeof value === 'number' && (PRIORITY_VALUES as readonly number[]).includes(value);
}

/** The first BullMQ priority of a level's band (turn 0). */
export function bandStart(priority: JobPriority): number {
  return PRIORITY_VALUES.indexOf(priority) * PRIORITY_BAND + LEGACY_CEILING;
}

/** The BullMQ priority of a job of this level at this turn of its owner. */
export function toBullPriority(priority: JobPriority, turn = 0): number {
  return bandStart(priority) + Math.min(Math.max(0, Math.floor(turn)), TURNS_PER_BAND - 1);
}

export function fromBullPriority(bullPriority: number | undefined): JobPriority {
  if (bullPriority === undefined || bullPriority < 1) return JOB_PRIORITY.NORMAL;
  if (bullPriority < LEGACY_CEILING) return PRIORITY_VALUES[bullPriority - 1] ?? JOB_PRIORITY.LOW;
  return PRIORITY_VALUES[Math.floor(bullPriority / PRIORITY_BAND)] ?? JOB_PRIORITY.LOW;
}
