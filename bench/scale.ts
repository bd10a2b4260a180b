/**
 * npm run bench:scale — do the hot paths stay flat as the data grows? FerretDB v1 uses an index
 * only for a filter of exactly `{_id: value}` and decodes the whole collection (~0.5 ms CPU per
 * document) for anything else, so a route that filters, sorts or counts grows with the data.
 *
 * Two datasets side by side, each in its own throw-away database and Redis prefix (all dropped at
 * the end, also when the run fails), each served by its own instance of the real app in this
 * process (APP_ROLE=api, an ephemeral loopback port, admin from ADMIN_EMAIL/ADMIN_PASSWORD,
 * throttling and the pending-jobs quota out of reach):
 * 1. the small app gets 1k job records, the large one BENCH_SCALE_RECORDS, with their users,
 *    contents, social accounts, ledger entries, audit entries and scheduled posts (the same
 *    bench/seed.ts for both: bulk inserts in the product's document shapes); each app then
 *    rebuilds its derived Redis indexes (DerivedIndexes.verify() after forgetting the epochs);
 * 2. every route is warmed up on both apps (BENCH_SCALE_WARMUP untimed calls each, within the
 *    budget), then timed INTERLEAVED (bench/scale-measure.ts): one warm-up pair, then up to
 *    BENCH_SCALE_SAMPLES calls per size (a cheap route goes on, up to BENCH_SCALE_CHEAP_SAMPLES
 *    while it has used under BENCH_SCALE_CHEAP_MS: the p99 of a sub-millisecond call is otherwise
 *    one stall of 200) alternating small, large, small, large, … so both sizes
 *    see the same machine noise and both apps get the same calls (the generate route queues a
 *    job per call). A route stops early once either size has used BENCH_SCALE_ROUTE_BUDGET_MS on
 *    it (at least one pair); a route whose warm-up call alone took longer than the budget keeps
 *    that pair as its only sample, so a run against code that still scans finishes.
 *
 * Routes: the 1 % user's job list, content generation and one content item; the admin dashboard
 * and audit log; login as the last seeded user; /auth/me; the export of the 1 % user (its work
 * grows with that user's data, 40 → ~1,000 jobs: shown, not counted in the worst growth) and of
 * a user with one job; the per-minute scheduled-posts sweep
 * (ScheduledPostsSweep.run(), in process); a content-generation job handler's reads
 * (ContentService.findById + SocialAccountsService.credentials + PostLedgerService.entriesFor).
 *
 * Output: seeding rate, index rebuild time, CPU used per phase (this process and the Redis and
 * FerretDB processes behind its ports), the run time, a table route × size (p50/p99 ms, samples)
 * with the growth of p99 and of p50 (large/1k); then the worst routes, and last `worst growth X`
 * (p99(large)/p99(1k) of the worst route). Goal: ≤ 1.5. After the timing, the 1 % user is erased
 * on each dataset (DELETE /api/users/:id) and the time printed (reported, not a goal). BENCH_SCALE_RECORDS=1000 compares two
 * equal datasets (the growth then shows the measurement's own noise).
 *
 * BENCH_SCALE_RECORDS (default 100000), BENCH_SCALE_SAMPLES (200 per size),
 * BENCH_SCALE_CHEAP_SAMPLES (2000), BENCH_SCALE_CHEAP_MS (3000 per route and size),
 * BENCH_SCALE_ROUTE_BUDGET_MS (20000 per route and size), BENCH_SCALE_WARMUP (30),
 * BENCH_SEED_PARALLEL (insert commands in flight, 4).
 */
import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { getConnectionToken } from '@nestjs/mongoose';
import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import type { Connection } from 'mongoose';
import type { AppConfig } from '../src/config/app-config';
import { FailureGroups } from '../src/queues';
import { ADMIN_EMAIL, apiConfig, login, rebuildDerivedIndexes, startApp } from './app-under-test';
import { measurePair, ms, PairResult, pairRoutes, printTable, warmUp } from './scale-measure';
import { Route, routes } from './scale-routes';
import { describeSeed, PASSWORD, Seeder } from './seed';
import { BenchCpu, dropDatabase, dropPrefix, LoopbackClient, runPrefix } from './support';

const N = Number(process.env.BENCH_SCALE_RECORDS ?? 100_000);
const SMALL = Math.min(1000, N);
const SAMPLES = {
  min: Number(process.env.BENCH_SCALE_SAMPLES ?? 200),
  max: Number(process.env.BENCH_SCALE_CHEAP_SAMPLES ?? 2000),
  cheapMs: Number(process.env.BENCH_SCALE_CHEAP_MS ?? 3000),
};
const BUDGET_MS = Number(process.env.BENCH_SCALE_ROUTE_BUDGET_MS ?? 20_000);
const PARALLEL = Number(process.env.BENCH_SEED_PARALLEL ?? 4);
const WARMUP = Number(process.env.BENCH_SCALE_WARMUP ?? 30);

/** One dataset and the app serving it. */
interface Instance {
  label: string;
  records: number;
  config: AppConfig;
  adminPassword: string;
  app?: INestApplication;
  client?: LoopbackClient;
  /** Erases the 1 % user (DELETE /api/users/:id): run once, after the timed routes. */
  eraseHotUser?: () => Promise<string>;
}

function instance(label: string, prefix: string, records: number): Instance {
  const adminPassword = randomBytes(12).toString('hex');
  return { label, records, config: apiConfig(prefix, adminPassword), adminPassword };
}

const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

/** Starts the instance's app, seeds its dataset, rebuilds its indexes; its routes, logged in. */
async function prepare(target: Instance, cpu: BenchCpu): Promise<Route[]> {
  console.log(`\n== ${target.label}: ${target.records} records, ${target.config.redisPrefix}`);
  const { app, port } = await startApp(target.config);
  target.app = app;
  const client = (target.client = new LoopbackClient(port));
  const seeder = await Seeder.create(app.get<Connection>(getConnectionToken()).db!, {
    target: target.records,
    tokenKey: target.config.social.tokenKey,
    parallel: PARALLEL,
  });
  let before = cpu.sample();
  const seeded = await seeder.seedUpTo(target.records);
  console.log(`${describeSeed(seeded)}  [cpu: ${BenchCpu.report(before, cpu.sample())}]`);
  before = cpu.sample();
  const rebuilt = await rebuildDerivedIndexes(app);
  console.log(`derived indexes: ${rebuilt}  [cpu: ${BenchCpu.report(before, cpu.sample())}]`);
  before = cpu.sample();
  const failed = await seedFailureGroups(app, seeder);
  console.log(
    `failure groups: ${failed} failed jobs noted  [cpu: ${BenchCpu.report(before, cpu.sample())}]`,
  );
  const admin = await login(client, ADMIN_EMAIL, target.adminPassword);
  target.eraseHotUser = async () => {
    const started = performance.now();
    const path = `/api/users/${seeder.userId(seeder.hotUserIndex)}`;
    const answer = await client.request('DELETE', path, { token: admin });
    const ms = performance.now() - started;
    const body = answer.body as { jobs?: number; contents?: number };
    if (answer.status !== 200) return `answered ${answer.status} ${JSON.stringify(body)}`;
    return `${ms.toFixed(0)} ms (${body.jobs} jobs, ${body.contents} contents)`;
  };
  return routes(app, client, seeder, {
    hot: await login(client, seeder.userEmail(seeder.hotUserIndex), PASSWORD),
    admin,
    single: await login(client, seeder.userEmail(1), PASSWORD),
  });
}

/**
 * The failed records join their failure groups, as they would have when they failed (the groups
 * are kept as jobs fail, so seeding has to say so): reasons in a handful of shapes, each with the
 * job's own number, so the large dataset has as many groups as the small one, 100× fuller.
 */
async function seedFailureGroups(app: INestApplication, seeder: Seeder): Promise<number> {
  const groups = app.get(FailureGroups, { strict: false });
  const shapes = [
    'provider answered 503 for item',
    'timed out after 30000 ms on item',
    'HTTP 429 for item',
  ];
  let noted = 0;
  for (let i = 0; i < seeder.records; i += 500) {
    const batch: Promise<void>[] = [];
    for (let j = i; j < Math.min(i + 500, seeder.records); j++) {
      if (seeder.stateOf(j) !== 'failed') continue;
      batch.push(
        groups.noteFailed({
          id: seeder.recordId(j),
          queue: seeder.queueOf(j),
          name: 'bench',
          reason: `${shapes[j % shapes.length]} ${j}`,
          failedAt: Date.now() - (seeder.records - j),
        }),
      );
    }
    await Promise.all(batch);
    noted += batch.length;
  }
  return noted;
}

/** Closes the app, drops the database and the Redis prefix; reports, never throws. */
async function tearDown(target: Instance): Promise<void> {
  const report = (what: string) => (e: Error) =>
    console.error(`${target.label} ${what}: ${e.message}`);
  target.client?.close();
  await target.app?.close().catch(report('close'));
  await dropDatabase(target.config).catch(report('drop database'));
  await dropPrefix(target.config).catch(report('drop prefix'));
}

async function main(): Promise<void> {
  const runStarted = performance.now();
  const prefix = runPrefix('scale');
  const small = instance('small', `${prefix}_small`, SMALL);
  const large = instance('large', `${prefix}_large`, N);
  const cpu = BenchCpu.forConfig(small.config);
  console.log(
    `scale: ${SMALL} and ${N} job records (and as many users), databases and Redis prefixes ${prefix}_small and ${prefix}_large`,
  );
  console.log(
    `${SAMPLES.min} calls per route and size (up to ${SAMPLES.max} while a route has used under ${SAMPLES.cheapMs} ms), alternating small/large, ${BUDGET_MS} ms budget per route and size; cpu of ${cpu.describe()}`,
  );
  let summary: (() => void) | undefined;
  try {
    const pairs = pairRoutes(await prepare(small, cpu), await prepare(large, cpu));
    console.log('');
    let before = cpu.sample();
    await warmUp(pairs, WARMUP, BUDGET_MS);
    console.log(`  [cpu: ${BenchCpu.report(before, cpu.sample())}]`);
    const results = new Map<string, PairResult>();
    before = cpu.sample();
    const started = performance.now();
    for (const pair of pairs) {
      const r = await measurePair(pair, SAMPLES, BUDGET_MS);
      results.set(pair.name, r);
      console.log(
        `  ${pair.name}: ${SMALL} p50 ${ms(r.small.p50)} p99 ${ms(r.small.p99)} ms | ${N} p50 ${ms(r.large.p50)} p99 ${ms(r.large.p99)} ms (${r.large.samples} pairs in ${r.seconds.toFixed(1)} s)`,
      );
    }
    console.log(
      `measured in ${seconds(started)} s  [cpu: ${BenchCpu.report(before, cpu.sample())}; load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores]`,
    );
    // Reported, not a goal: the erase of the 1 % user on each dataset (destructive, so last).
    before = cpu.sample();
    for (const target of [small, large])
      console.log(
        `erase of the 1 % user, ${target.records} records: ${await target.eraseHotUser!()}`,
      );
    console.log(`  [cpu: ${BenchCpu.report(before, cpu.sample())}]`);
    summary = () => printTable(pairs, [SMALL, N], results);
  } finally {
    for (const target of [small, large]) await tearDown(target);
  }
  // After the clean-up, so the figure is the last line whatever the shutdown logs.
  console.log(
    `\nrun time ${seconds(runStarted)} s (seeding, index rebuilds, warm-up, timing, clean-up)`,
  );
  summary?.();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
