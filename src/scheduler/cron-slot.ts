import { CronTime } from 'cron';

const MAX_SKEW_MS = 30_000;

/**
 * The scheduled time a cron firing belongs to: the slot of `expression` nearest to `now`. Every
 * instance firing for the same slot computes the same value even when its clock or timer is off
 * by up to half a period (at most 30 s), so the slot can name the tick in a shared lock. Undefined when `now` is near no slot.
 */
export function cronSlot(expression: string, timeZone: string, now: Date): Date | undefined {
  const time = new CronTime(expression, timeZone);
  const next = time.getNextDateFrom(now, timeZone).toMillis();
  const period = time.getNextDateFrom(new Date(next), timeZone).toMillis() - next;
  const tolerance = Math.min(MAX_SKEW_MS, Math.floor(period / 2));
  const slot = time.getNextDateFrom(new Date(now.getTime() - tolerance), timeZone).toMillis();
  // Off schedule (a clock jump, a stalled process): no slot to name, so no run; inventing one
  // would let a late instance run a tick an on-time one already ran.
  if (Math.abs(slot - now.getTime()) > tolerance) return undefined;
  return new Date(slot);
}
