/**
 * How bench:scale times a route on two apps at once (the small dataset's and the large one's):
 * calls alternate small, large, small, large, …, so both sizes see the same machine noise (other
 * processes, GC of this process, FerretDB's and Redis's moments), and every call made on one app
 * is made on the other too (POST /api/content/generate queues a job per call: both queues stay
 * alike). Then the table: p50/p99 per route × size, growth of p99 and of p50 (times floored at
 * 1 ms: below it the machine, not the data, decides), the worst route.
 */
import type { Route } from './scale-routes';
import { collectGarbage, percentile } from './support';

export interface Measured {
  p50: number;
  p99: number;
  samples: number;
  note?: string;
}

/** One route as both apps serve it. */
export interface RoutePair {
  name: string;
  small: Route;
  large: Route;
}

export interface PairResult {
  small: Measured;
  large: Measured;
  seconds: number;
}

export function pairRoutes(small: Route[], large: Route[]): RoutePair[] {
  return small.map((route, k) => {
    if (large[k]?.name !== route.name) throw new Error(`route lists differ at ${route.name}`);
    return { name: route.name, small: route, large: large[k] };
  });
}

async function timed(route: Route): Promise<number> {
  const start = performance.now();
  await route.run();
  return performance.now() - start;
}

/** How many pairs to take: at least `min`, more (up to `max`) while the route is cheap. */
export interface SampleCount {
  min: number;
  /**
   * A p99 of 200 calls is the second slowest: on a sub-millisecond route one GC pause or one
   * scheduling stall decides it. A route that is cheap goes on to `max` pairs while it has used
   * less than `cheapMs` on either size, so its p99 is the 1 % tail of many calls, not one stall.
   */
  max: number;
  cheapMs: number;
}

/**
 * Calls small then large until `count.min` pairs were made (then on up to `count.max` while
 * both sizes have used under `count.cheapMs`), or either size has used `budgetMs` (at least one
 * pair): the same number of calls on each app, whatever stops the loop.
 */
async function alternate(
  pair: RoutePair,
  count: SampleCount,
  budgetMs: number,
): Promise<{ small: number[]; large: number[] }> {
  const small: number[] = [];
  const large: number[] = [];
  let usedSmall = 0;
  let usedLarge = 0;
  const more = () => {
    const used = Math.max(usedSmall, usedLarge);
    if (small.length === 0) return true;
    if (used >= budgetMs) return false;
    return small.length < count.min || (small.length < count.max && used < count.cheapMs);
  };
  while (more()) {
    const a = await timed(pair.small);
    const b = await timed(pair.large);
    small.push(a);
    large.push(b);
    usedSmall += a;
    usedLarge += b;
  }
  return { small, large };
}

/** Before any timing: JIT, connection pools and caches of both apps warm, alternately. */
export async function warmUp(pairs: RoutePair[], calls: number, budgetMs: number): Promise<void> {
  const started = performance.now();
  const count = { min: calls, max: calls, cheapMs: 0 };
  for (const pair of pairs) if (calls > 0) await alternate(pair, count, budgetMs);
  console.log(
    `warm-up: up to ${calls} untimed calls per route and size, alternating, in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

function summarise(samples: number[], wanted: SampleCount, note?: string): Measured {
  return {
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    samples: samples.length,
    note: note ?? (samples.length < wanted.min ? 'stopped at the time budget' : undefined),
  };
}

/**
 * One warm-up pair (timed, not kept), then `samples` alternating pairs (see SampleCount), stopping early once
 * either size has used `budgetMs` on this route. A route whose warm-up call took longer than the
 * budget on either app keeps that pair as its only sample (so a run against code that scans
 * still finishes).
 */
export async function measurePair(
  pair: RoutePair,
  samples: SampleCount,
  budgetMs: number,
): Promise<PairResult> {
  collectGarbage();
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  const warmSmall = await timed(pair.small);
  const warmLarge = await timed(pair.large);
  if (Math.max(warmSmall, warmLarge) > budgetMs) {
    const note = 'warm-up over budget: 1 sample';
    return {
      small: summarise([warmSmall], samples, note),
      large: summarise([warmLarge], samples, note),
      seconds: seconds(),
    };
  }
  const timings = await alternate(pair, samples, budgetMs);
  return {
    small: summarise(timings.small, samples),
    large: summarise(timings.large, samples),
    seconds: seconds(),
  };
}

export function ms(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

/**
 * Below a millisecond, timings measure the machine's scheduling, not the data: a 0.1 → 0.3 ms
 * route is not 3× slower at 100k. Growth is taken over times floored at 1 ms.
 */
const NOISE_FLOOR_MS = 1;

function grown(large: number, small: number): number {
  return Math.max(large, NOISE_FLOOR_MS) / Math.max(small, NOISE_FLOOR_MS);
}

/** The table, then the worst route; the very last line is `worst growth X` (p99-based). */
export function printTable(
  pairs: RoutePair[],
  sizes: [number, number],
  results: Map<string, PairResult>,
): void {
  const width = Math.max(...pairs.map((p) => p.name.length)) + 2;
  const cell = 28;
  console.log(
    `\n${'route'.padEnd(width)}${sizes.map((s) => `${s} p50/p99 ms (n)`.padEnd(cell)).join('')}growth p99 (p50)`,
  );
  let worst = { name: '', growth: 0, p50: 0 };
  let worstP50 = { name: '', growth: 0 };
  for (const pair of pairs) {
    const { small, large } = results.get(pair.name)!;
    const cells = [small, large].map((m) =>
      `${ms(m.p50)} / ${ms(m.p99)} (${m.samples})`.padEnd(cell),
    );
    const growth = grown(large.p99, small.p99);
    const growthP50 = grown(large.p50, small.p50);
    const counted = !pair.small.ownData;
    if (counted && growth > worst.growth) worst = { name: pair.name, growth, p50: growthP50 };
    if (counted && growthP50 > worstP50.growth) worstP50 = { name: pair.name, growth: growthP50 };
    const own = counted ? undefined : "grows with the user's own data: not in the worst growth";
    const notes = [...new Set([small.note, large.note, own].filter(Boolean))].join('; ');
    console.log(
      `${pair.name.padEnd(width)}${cells.join('')}${growth.toFixed(2)} (${growthP50.toFixed(2)})${notes ? `   ${notes}` : ''}`,
    );
  }
  console.log(`\nworst p50 growth: ${worstP50.name} ${worstP50.growth.toFixed(2)}`);
  console.log(
    `worst route: ${worst.name} (p99 growth ${worst.growth.toFixed(2)}, p50 growth ${worst.p50.toFixed(2)})`,
  );
  console.log(`worst growth ${worst.growth.toFixed(2)}`);
}
