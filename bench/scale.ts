/**
 * npm run bench:scale — do the hot paths stay flat as the data grows? FerretDB v1 uses an index
 * only for a filter of exactly `{_id: value}` and decodes the whole collection (~0.5 ms CPU per
 * document) for anything else, so a route that filters, sorts or counts grows with the data.
 *
 * One run, one throw-away database and Redis prefix (both dropped at the end):
 * 1. starts the real app in this process (APP_ROLE=api, on an ephemeral loopback port, admin from
 *    ADMIN_EMAIL/ADMIN_PASSWORD, throttling and the pending-jobs quota set out of reach);
 * 2. seeds 1k job records with their users, contents, social accounts, ledger entries, audit
 *    entries and scheduled posts (bench/seed.ts: bulk inserts in the product's document shapes),
 *    has the app rebuild its derived Redis indexes (DerivedIndexes.verify() after forgetting the
 *    epochs), warms every route up (BENCH_SCALE_WARMUP untimed calls each, within the budget),
 *    then times each route: one warm-up call, then up to BENCH_SCALE_SAMPLES sequential
 *    calls, stopping early once the route has used BENCH_SCALE_ROUTE_BUDGET_MS (at least one
 *    sample; a route whose warm-up alone took longer than the budget keeps that call as its only
 *    sample, so a run against code that still scans finishes);
 * 3. seeds up to BENCH_SCALE_RECORDS, rebuilds the indexes again, times the same routes.
 *
 * Routes: the 1 % user's job list, content generation and one content item; the admin dashboard
 * and audit log; login as the last seeded user; /auth/me; the per-minute scheduled-posts sweep
 * (ScheduledPostsSweep.run(), in process); a content-generation job handler's reads
 * (ContentService.findById + SocialAccountsService.credentials + PostLedgerService.entriesFor).
 *
 * Output: seeding rate, index rebuild time, CPU used per phase (this process and the Redis and
 * FerretDB processes behind its ports), a table route × size (p50/p99 ms, samples) with the growth
 * p99(large)/p99(1k); then the worst route, and last `worst growth X`. Goal: ≤ 1.5.
 *
 * BENCH_SCALE_RECORDS (default 100000), BENCH_SCALE_SAMPLES (50), BENCH_SCALE_ROUTE_BUDGET_MS
 * (20000), BENCH_SCALE_WARMUP (30), BENCH_SEED_PARALLEL (insert commands in flight, 4).
 */
import 'reflect-metadata';
import { getConnectionToken } from '@nestjs/mongoose';
import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import type { Connection } from 'mongoose';
import { ADMIN_EMAIL, apiConfig, login, rebuildDerivedIndexes, startApp } from './app-under-test';
import { Route, routes } from './scale-routes';
import { describeSeed, PASSWORD, Seeder } from './seed';
import {
  BenchCpu,
  collectGarbage,
  dropPrefix,
  LoopbackClient,
  percentile,
  runPrefix,
} from './support';

const N = Number(process.env.BENCH_SCALE_RECORDS ?? 100_000);
const SMALL = 1000;
const SAMPLES = Number(process.env.BENCH_SCALE_SAMPLES ?? 50);
const BUDGET_MS = Number(process.env.BENCH_SCALE_ROUTE_BUDGET_MS ?? 20_000);
const PARALLEL = Number(process.env.BENCH_SEED_PARALLEL ?? 4);
const WARMUP = Number(process.env.BENCH_SCALE_WARMUP ?? 30);

interface Measured {
  p50: number;
  p99: number;
  samples: number;
  note?: string;
}

/** Before the first size: JIT, connection pools and caches warm, so 1k is not timed cold. */
async function warmUp(list: Route[]): Promise<void> {
  const started = performance.now();
  for (const route of list) {
    const routeStart = performance.now();
    for (let i = 0; i < WARMUP && performance.now() - routeStart < BUDGET_MS; i++)
      await route.run();
  }
  console.log(
    `warm-up: up to ${WARMUP} untimed calls per route in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

async function measure(route: Route): Promise<Measured> {
  collectGarbage();
  const timed = async () => {
    const start = performance.now();
    await route.run();
    return performance.now() - start;
  };
  const warmUp = await timed();
  if (warmUp > BUDGET_MS)
    return { p50: warmUp, p99: warmUp, samples: 1, note: 'warm-up over budget: 1 sample' };
  const samples: number[] = [];
  const start = performance.now();
  while (
    samples.length < SAMPLES &&
    (samples.length === 0 || performance.now() - start < BUDGET_MS)
  )
    samples.push(await timed());
  return {
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    samples: samples.length,
    note: samples.length < SAMPLES ? 'stopped at the time budget' : undefined,
  };
}

function ms(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

function printTable(
  list: Route[],
  sizes: number[],
  results: Map<number, Map<string, Measured>>,
): void {
  const width = Math.max(...list.map((r) => r.name.length)) + 2;
  const cell = 28;
  console.log(
    `\n${'route'.padEnd(width)}${sizes.map((s) => `${s} p50/p99 ms (n)`.padEnd(cell)).join('')}growth p99 (p50)`,
  );
  let worst = { name: '', growth: 0 };
  for (const route of list) {
    const cells = sizes.map((size) => {
      const m = results.get(size)!.get(route.name)!;
      return `${ms(m.p50)} / ${ms(m.p99)} (${m.samples})`.padEnd(cell);
    });
    const small = results.get(sizes[0])!.get(route.name)!;
    const large = results.get(sizes[sizes.length - 1])!.get(route.name)!;
    const growth = large.p99 / small.p99;
    if (growth > worst.growth) worst = { name: route.name, growth };
    const notes = [small.note, large.note].filter(Boolean).join('; ');
    console.log(
      `${route.name.padEnd(width)}${cells.join('')}${growth.toFixed(2)} (${(large.p50 / small.p50).toFixed(2)})${notes ? `   ${notes}` : ''}`,
    );
  }
  console.log(`\nworst route: ${worst.name}`);
  console.log(`worst growth ${worst.growth.toFixed(2)}`);
}

async function main(): Promise<void> {
  const prefix = runPrefix('scale');
  const adminPassword = randomBytes(12).toString('hex');
  const config = apiConfig(prefix, adminPassword);
  const cpu = BenchCpu.forConfig(config);
  const sizes = N > SMALL ? [SMALL, N] : [N];
  console.log(
    `scale: ${sizes.join(' then ')} job records (and as many users), database and Redis prefix ${prefix}`,
  );
  console.log(
    `up to ${SAMPLES} sequential calls per route, ${BUDGET_MS} ms budget per route; cpu of ${cpu.describe()}`,
  );
  const { app, port } = await startApp(config);
  const client = new LoopbackClient(port);
  const connection = app.get<Connection>(getConnectionToken());
  let summary: (() => void) | undefined;
  try {
    const seeder = await Seeder.create(connection.db!, {
      target: N,
      tokenKey: config.social.tokenKey,
      parallel: PARALLEL,
    });
    const results = new Map<number, Map<string, Measured>>();
    let list: Route[] | undefined;
    for (const size of sizes) {
      console.log(`\n== ${size} records`);
      let before = cpu.sample();
      const seeded = await seeder.seedUpTo(size);
      console.log(`${describeSeed(seeded)}  [cpu: ${BenchCpu.report(before, cpu.sample())}]`);
      before = cpu.sample();
      const rebuilt = await rebuildDerivedIndexes(app);
      console.log(`derived indexes: ${rebuilt}  [cpu: ${BenchCpu.report(before, cpu.sample())}]`);
      if (!list) {
        list = routes(app, client, seeder, {
          hot: await login(client, seeder.userEmail(seeder.hotUserIndex), PASSWORD),
          admin: await login(client, ADMIN_EMAIL, adminPassword),
        });
        await warmUp(list);
      }
      const measured = new Map<string, Measured>();
      before = cpu.sample();
      const started = performance.now();
      for (const route of list) {
        const m = await measure(route);
        measured.set(route.name, m);
        console.log(
          `  ${route.name}: p50 ${ms(m.p50)} ms, p99 ${ms(m.p99)} ms (${m.samples} samples)`,
        );
      }
      console.log(
        `measured in ${((performance.now() - started) / 1000).toFixed(1)} s  [cpu: ${BenchCpu.report(before, cpu.sample())}; load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores]`,
      );
      results.set(size, measured);
    }
    summary = () => printTable(list!, sizes, results);
  } finally {
    client.close();
    await connection.dropDatabase().catch((e: Error) => console.error(`drop: ${e.message}`));
    await app.close();
    await dropPrefix(config);
  }
  // After the clean-up, so the figure is the last line whatever the shutdown logs.
  summary?.();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
