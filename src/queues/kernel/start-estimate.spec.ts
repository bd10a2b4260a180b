import { ESTIMATE_UNAVAILABLE, estimateStart, QueueLoad } from './start-estimate';

const NOW = 1_000_000;
const load = (over: Partial<QueueLoad> = {}): QueueLoad => ({
  now: NOW,
  paused: false,
  slots: 1,
  averageMs: 200,
  activeElapsedMs: [],
  waiting: 0,
  limiter: { used: 0, resetsInMs: 0 },
  ...over,
});
const waitFor = (l: QueueLoad, position: number) => {
  const estimate = estimateStart(l, { position });
  if (!('at' in estimate)) throw new Error(`no estimate: ${estimate.unavailable}`);
  return estimate.at - NOW;
};

describe('estimateStart', () => {
  it('gives no estimate for a paused queue, a queue without workers, or one with no run time yet', () => {
    expect(estimateStart(load({ paused: true }), { position: 1 })).toEqual({
      unavailable: ESTIMATE_UNAVAILABLE.paused,
    });
    expect(estimateStart(load({ slots: 0 }), { position: 1 })).toEqual({
      unavailable: ESTIMATE_UNAVAILABLE.noWorkers,
    });
    expect(
      estimateStart(load({ averageMs: undefined, activeElapsedMs: [0] }), { position: 1 }),
    ).toEqual({ unavailable: ESTIMATE_UNAVAILABLE.noAverage });
  });

  it('starts a job at once when a slot is free, average or not', () => {
    expect(waitFor(load({ slots: 2, averageMs: undefined, activeElapsedMs: [50] }), 1)).toBe(0);
  });

  it('lines jobs up behind full rounds of the slots (one slot)', () => {
    // Nothing running: the 5th job waits for four runs.
    expect(waitFor(load(), 5)).toBe(800);
    // One job half way through: half a run, then three more.
    expect(waitFor(load({ activeElapsedMs: [100] }), 4)).toBe(100 + 3 * 200);
  });

  it('uses every slot (two workers of concurrency 2)', () => {
    // Four slots, all just started: jobs 1-4 start at 200 ms, 5-8 at 400 ms.
    const l = load({ slots: 4, activeElapsedMs: [0, 0, 0, 0] });
    expect([1, 4, 5, 8, 9].map((p) => waitFor(l, p))).toEqual([200, 200, 400, 400, 600]);
    // Slots free at different times: the earliest first.
    const mixed = load({ slots: 2, activeElapsedMs: [150, 20] });
    expect([1, 2, 3].map((p) => waitFor(mixed, p))).toEqual([50, 180, 250]);
  });

  it('counts a job running past the average as about to end', () => {
    expect(waitFor(load({ activeElapsedMs: [900] }), 1)).toBe(0);
    expect(waitFor(load({ activeElapsedMs: [900] }), 2)).toBe(200);
  });

  it('holds jobs to the rate limit: the open window, then whole windows', () => {
    const limited = (used: number, resetsInMs: number) =>
      load({
        slots: 10,
        averageMs: 10,
        rateLimit: { max: 5, durationMs: 1000 },
        limiter: { used, resetsInMs },
      });
    // No window open: five start now, the next five when the window the first opens ends.
    expect([1, 5, 6, 10, 11, 20].map((p) => waitFor(limited(0, 0), p))).toEqual([
      0, 0, 1000, 1000, 2000, 3000,
    ]);
    // Three used, 400 ms left: two more now, then a new window every second.
    expect([2, 3, 7, 8].map((p) => waitFor(limited(3, 400), p))).toEqual([0, 400, 400, 1400]);
  });

  it('takes the later of the slot and rate limits', () => {
    const l = load({ slots: 1, averageMs: 500, rateLimit: { max: 5, durationMs: 1000 } });
    expect(waitFor(l, 3)).toBe(1000); // slots: 2 runs of 500 ms; the rate allows it at once
    const fast = load({ slots: 1, averageMs: 10, rateLimit: { max: 2, durationMs: 1000 } });
    expect(waitFor(fast, 3)).toBe(1000);
  });

  it('starts a delayed job at its run time, or once the line ahead of it has cleared', () => {
    const runAt = NOW + 5000;
    expect(estimateStart(load({ waiting: 3 }), { runAt })).toEqual({ at: runAt });
    // Forty jobs waiting take 8 s: the delayed job comes after them.
    expect(estimateStart(load({ waiting: 40 }), { runAt })).toEqual({ at: NOW + 8000 });
    expect(estimateStart(load({ paused: true }), { runAt })).toEqual({
      unavailable: ESTIMATE_UNAVAILABLE.paused,
    });
  });
});
