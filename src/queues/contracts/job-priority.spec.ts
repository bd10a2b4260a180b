import { fromBullPriority, isJobPriority, JOB_PRIORITY, toBullPriority } from './job-priority';

describe('JOB_PRIORITY on BullMQ', () => {
  it('maps every level to a BullMQ priority (1 runs first), never to "no priority"', () => {
    expect(
      [JOB_PRIORITY.CRITICAL, JOB_PRIORITY.HIGH, JOB_PRIORITY.NORMAL, JOB_PRIORITY.LOW].map(
        toBullPriority,
      ),
    ).toEqual([1, 2, 3, 4]);
  });

  it('maps back, and accepts only the four levels', () => {
    for (const p of [10, 5, 0, -5] as const) expect(fromBullPriority(toBullPriority(p))).toBe(p);
    expect([10, 5, 0, -5].every(isJobPriority)).toBe(true);
    expect([1, -1, 7, '5', undefined].some(isJobPriority)).toBe(false);
  });
});
