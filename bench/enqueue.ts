/**
 * npm run bench:enqueue — how much dearer is queueing a job than the cheapest signed-in request,
 * with a realistic amount of history in the database? On FerretDB v1 anything but an `_id` lookup
 * scans a collection, so a submission that counts the user's pending jobs or reads by another
 * field falls far behind `GET /api/auth/me` (one `_id` read of the user).
 *
 * Seeds BENCH_SCALE_RECORDS job records the way bench:scale does (bench/seed.ts: users, emails,
 * contents, accounts, ledger, audit, scheduled posts), starts the real app in this process
 * (APP_ROLE=api, throttling and the pending-jobs quota out of reach, no workers: the jobs stay
 * queued), rebuilds its derived Redis indexes, signs in as the user who owns 1 % of the records
 * and, with autocannon at BENCH_ENQUEUE_CONNECTIONS connections against the loopback port, sends
 * BENCH_ENQUEUE_REQUESTS × `POST /api/content/generate {text, platforms: ['twitter']}` and then as
 * many `GET /api/auth/me`, same token (after BENCH_ENQUEUE_WARMUP untimed requests of each).
 *
 * Prints, per route: req/s (responses ÷ duration), p50/p99 latency, 2xx / non-2xx / errors /
 * timeouts, and the CPU used (this process, and the Redis and FerretDB processes behind its
 * ports). Last line: `enqueue ratio X` = enqueue req/s ÷ /me req/s (goal ≥ 0.5). Any non-2xx,
 * error or timeout fails the bench (exit 1) instead: such a figure would not count.
 *
 * BENCH_SCALE_RECORDS (default 100000), BENCH_ENQUEUE_REQUESTS (2000), BENCH_ENQUEUE_CONNECTIONS
 * (64), BENCH_ENQUEUE_WARMUP (200), BENCH_ENQUEUE_TIMEOUT_S (per request, 60),
 * BENCH_SEED_PARALLEL (4).
 */
import 'reflect-metadata';
import { getConnectionToken } from '@nestjs/mongoose';
import autocannon from 'autocannon';
import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { ADMIN_EMAIL, apiConfig, login, rebuildDerivedIndexes, startApp } from './app-under-test';
import { describeSeed, PASSWORD, Seeder } from './seed';
import { BenchCpu, collectGarbage, dropPrefix, LoopbackClient, runPrefix } from './support';

const N = Number(process.env.BENCH_SCALE_RECORDS ?? 100_000);
const REQUESTS = Number(process.env.BENCH_ENQUEUE_REQUESTS ?? 2000);
const CONNECTIONS = Number(process.env.BENCH_ENQUEUE_CONNECTIONS ?? 64);
const WARMUP = Number(process.env.BENCH_ENQUEUE_WARMUP ?? 200);
const TIMEOUT_S = Number(process.env.BENCH_ENQUEUE_TIMEOUT_S ?? 60);
const PARALLEL = Number(process.env.BENCH_SEED_PARALLEL ?? 4);

interface Load {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

interface Outcome {
  rate: number;
  p50: number;
  p99: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  /** Responses per status code. */
  codes: string;
  cpu: string;
}

async function fire(port: number, token: string, load: Load, amount: number) {
  return autocannon({
    url: `http://127.0.0.1:${port}${load.path}`,
    method: load.method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(load.body ? { 'content-type': 'application/json' } : {}),
    },
    body: load.body,
    connections: Math.min(CONNECTIONS, amount),
    amount,
    timeout: TIMEOUT_S,
  });
}

async function measure(port: number, token: string, load: Load, cpu: BenchCpu): Promise<Outcome> {
  collectGarbage();
  const before = cpu.sample();
  const result = await fire(port, token, load, REQUESTS);
  return {
    rate: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
    codes: Object.entries(result.statusCodeStats ?? {})
      .map(([code, stats]) => `${code}×${stats.count ?? 0}`)
      .join(' '),
    cpu: BenchCpu.report(before, cpu.sample()),
  };
}

function describe(load: Load, o: Outcome): string {
  return (
    `${load.name}: ${o.rate.toFixed(0)} req/s, p50 ${o.p50} ms, p99 ${o.p99} ms; ` +
    `${o.ok} 2xx, ${o.non2xx} non-2xx, ${o.errors} errors, ${o.timeouts} timeouts in ${o.seconds.toFixed(1)} s` +
    (o.non2xx ? ` (status codes: ${o.codes})` : '') +
    `  [cpu: ${o.cpu}]`
  );
}

async function main(): Promise<void> {
  const prefix = runPrefix('enqueue');
  const adminPassword = randomBytes(12).toString('hex');
  const config = apiConfig(prefix, adminPassword);
  const cpu = BenchCpu.forConfig(config);
  console.log(
    `enqueue: ${N} job records seeded; ${REQUESTS} requests per route at ${CONNECTIONS} connections; database and Redis prefix ${prefix}; cpu of ${cpu.describe()}`,
  );
  const generate: Load = {
    name: 'POST /api/content/generate',
    method: 'POST',
    path: '/api/content/generate',
    body: JSON.stringify({
      text: 'A bench paragraph to turn into a post.',
      platforms: ['twitter'],
    }),
  };
  const me: Load = { name: 'GET /api/auth/me', method: 'GET', path: '/api/auth/me' };
  const { app, port } = await startApp(config);
  const client = new LoopbackClient(port);
  const connection = app.get<Connection>(getConnectionToken());
  const lines: string[] = [];
  let ratio: number | undefined;
  let failure: string | undefined;
  try {
    const seeder = await Seeder.create(connection.db!, {
      target: N,
      tokenKey: config.social.tokenKey,
      parallel: PARALLEL,
    });
    console.log(describeSeed(await seeder.seedUpTo(N)));
    console.log(`derived indexes: ${await rebuildDerivedIndexes(app)}`);
    const token = await login(client, seeder.userEmail(seeder.hotUserIndex), PASSWORD);
    // The admin exists (ADMIN_EMAIL): sign in once so start-up work is not inside a timed run.
    await login(client, ADMIN_EMAIL, adminPassword);
    if (WARMUP > 0) {
      for (const load of [generate, me]) await fire(port, token, load, WARMUP);
      console.log(`warm-up: ${WARMUP} untimed requests of each route`);
    }
    const enqueued = await measure(port, token, generate, cpu);
    const read = await measure(port, token, me, cpu);
    lines.push(describe(generate, enqueued), describe(me, read));
    const bad = [enqueued, read].filter((o) => o.non2xx || o.errors || o.timeouts);
    if (bad.length)
      failure = 'some requests did not answer 2xx (see above): the ratio would not count';
    else ratio = enqueued.rate / read.rate;
  } finally {
    client.close();
    await connection.dropDatabase().catch((e: Error) => console.error(`drop: ${e.message}`));
    await app.close();
    await dropPrefix(config);
  }
  // After the clean-up, so the figure is the last line whatever the shutdown logs.
  for (const line of lines) console.log(line);
  if (failure) throw new Error(failure);
  console.log(`enqueue ratio ${ratio!.toFixed(2)}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
