import {
  fromBullPriority,
  isJobPriority,
  JOB_PRIORITY,
  PRIORITY_BAND,
  toBullPriority,
  TURNS_PER_BAND,
} from './job-priority';

describe('JOB_PRIORITY on BullMQ', () => {
  const levels = [JOB_PRIORITY.CRITICAL, JOB_PRIORITY.HIGH, JOB_PRIORITY.NORMAL, JOB_PRIORITY.LOW];

  it('gives every level a band: a higher level runs first whatever the turn, never "no priority"', () => {
    const lastTurns = levels.map((p) => toBullPriority(p, TURNS_PER_BAND + 5));
    const firstTurns = levels.map((p) => toBullPriority(p, 0));
    expect(Math.min(...firstTurns)).toBeGreaterThan(0);
    for (let i = 0; i < levels.length - 1; i++)
      expect(lastTurns[i]).toBeLessThan(firstTurns[i + 1]);
    // BullMQ refuses priorities above 2^21 - 1.
    expect(Math.max(...lastTurns)).toBeLessThanOrEqual(2 ** 21 - 1);
    expect(toBullPriority(JOB_PRIORITY.NORMAL, 3)).toBe(toBullPriority(JOB_PRIORITY.NORMAL) + 3);
  });

  it('maps back from any turn, and from the one-priority-per-level scheme of earlier versions', () => {
    for (const p of levels) {
      for (const turn of [0, 1, 1000, TURNS_PER_BAND - 1, TURNS_PER_BAND * 2])
        expect(fromBullPriority(toBullPriority(p, turn))).toBe(p);
    }
    expect([1, 2, 3, 4].map(fromBullPriority)).toEqual(levels);
    expect(fromBullPriority(undefined)).toBe(JOB_PRIORITY.NORMAL);
    expect(PRIORITY_BAND * 4).toBe(2 ** 21);
  });

  it('accepts only the four levels', () => {
    expect([10, 5, 0, -5].every(isJobPriority)).toBe(true);
    expect([1, -1, 7, '5', undefined].some(isJobPriority)).toBe(false);
  });
});
