/**
 * npm run bench:http — how close the HTTP path comes to the framework's own speed. The real app
 * (APP_ROLE=api, in this process, throttling and the pending-jobs quota out of reach) and a bare
 * Nest + Express app (one GET returning a constant, no guards, no middleware) on loopback ports of
 * this process; the load comes from a separate process (bench/http-load.ts: autocannon,
 * BENCH_HTTP_CONNECTIONS connections, BENCH_HTTP_SECONDS per route), so its CPU is not the apps'.
 * BENCH_SCALE_RECORDS job records are seeded first (bench/seed.ts), and the signed-in user owns
 * 1 % of them. Each round measures, in turn: the bare route, `GET /api/health/live`,
 * `GET /api/auth/me`, `GET /api/jobs/user?limit=20` (the hot user's history),
 * `POST /api/content/generate` (as a second user) and, outside the ratios, the submission floor
 * (a bare-app route that inserts one document and adds one job with raw BullMQ: a submission's
 * two writes with nothing of the app around them) and the second user's job list (a page of jobs
 * still in Redis, the ones generate queued). A route's rate is its median over BENCH_HTTP_ROUNDS
 * rounds (after one untimed second of each).
 *
 * Prints each route's req/s, p50/p99, answers and CPU per request: this process's (both apps live
 * here) and by process (this one, Redis, FerretDB, the load generator), whose sum says more than
 * req/s when the host steals CPU or the machine is not saturated. Then `floor ratio` (the floor ÷
 * /auth/me), and `live ratio` (live ÷ bare), `auth ratio` (/auth/me ÷ bare), `list ratio` (job
 * list ÷ bare), `enqueue ratio` (generate ÷ /auth/me), all of req/s; goals ≥ 0.8, ≥ 0.5, ≥ 0.3,
 * ≥ 0.5. The last line has those four. A route answering anything but 2xx fails the bench
 * (exit 1): such a figure would not count.
 *
 * BENCH_SCALE_RECORDS (default 100000), BENCH_HTTP_SECONDS (8), BENCH_HTTP_CONNECTIONS (64),
 * BENCH_HTTP_ROUNDS (2), BENCH_SEED_PARALLEL (4). BENCH_HTTP_ONLY (a regular expression over route
 * names, e.g. `health`) loads only the routes it matches, and prints no ratios; BENCH_HTTP_PROFILE
 * (a directory) writes a CPU profile of each timed round there.
 */
import 'reflect-metadata';
import { Body, Controller, Get, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getConnectionToken } from '@nestjs/mongoose';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import type { Connection, mongo } from 'mongoose';
import { bullConnection } from '../src/infra/redis/redis-client';
import { ADMIN_EMAIL, apiConfig, login, rebuildDerivedIndexes, startApp } from './app-under-test';
import { describeSeed, PASSWORD, Seeder } from './seed';
import {
  BenchCpu,
  collectGarbage,
  dropPrefix,
  LoopbackClient,
  median,
  runPrefix,
  type CpuSample,
} from './support';

const N = Number(process.env.BENCH_SCALE_RECORDS ?? 100_000);
const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 64);
const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 2);
const PARALLEL = Number(process.env.BENCH_SEED_PARALLEL ?? 4);
const ONLY = process.env.BENCH_HTTP_ONLY ? new RegExp(process.env.BENCH_HTTP_ONLY) : undefined;
const PROFILE_DIR = process.env.BENCH_HTTP_PROFILE;

/** What the bare app's submission floor writes to: set before the bare app is made. */
const floor: { db?: mongo.Db; queue?: Queue } = {};

@Controller()
class BareController {
  @Get('bare')
  bare(): { ok: boolean } {
    return { ok: true };
  }

  /**
   * The least a submission must do, with nothing of the app around it: one document inserted
   * (the content and the job's intent, were they one write) and one job added with raw BullMQ.
   * No auth, validation, listing, or grouping: what no implementation of generate can undercut.
   */
  @Post('bare/submit')
  @HttpCode(202)
  async submit(@Body() body: { text: string }): Promise<{ jobId: string }> {
    const { insertedId } = await floor.db!.collection('floor_submissions').insertOne({
      sourceText: body.text,
      createdAt: new Date(),
    });
    const job = await floor.queue!.add('floor', { contentId: insertedId.toHexString() });
    return { jobId: job.id! };
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

interface Route {
  name: string;
  port: number;
  method: 'GET' | 'POST';
  path: string;
  token?: string;
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
  /** CPU of this process (both apps) per answered request, µs; steadier than req/s here. */
  cpuUs: number;
  /** CPU per answered request, µs, of every process the route used: node, Redis, FerretDB, load. */
  cpuBy: Record<string, number>;
}

const run = promisify(execFile);

/** One route under load from the separate load process. */
async function load(route: Route, seconds: number, cpuOf: BenchCpu): Promise<Outcome> {
  collectGarbage();
  const job = {
    url: `http://127.0.0.1:${route.port}${route.path}`,
    method: route.method,
    token: route.token,
    body: route.body,
    connections: CONNECTIONS,
    seconds,
  };
  const cpu = process.cpuUsage();
  const before = cpuOf.sample();
  const { stdout } = await run(
    process.execPath,
    [path.join(__dirname, 'http-load.js'), JSON.stringify(job)],
    { maxBuffer: 1 << 20 },
  );
  const used = process.cpuUsage(cpu);
  const { cpuMs, ...outcome } = JSON.parse(stdout.trim().split('\n').pop()!) as Omit<
    Outcome,
    'cpuUs' | 'cpuBy'
  > & { cpuMs: number };
  const answered = outcome.ok + outcome.non2xx;
  const perRequest = (ms: number) => (answered ? (ms * 1000) / answered : 0);
  const spent: CpuSample = { ...BenchCpu.delta(before, cpuOf.sample()), load: cpuMs };
  const cpuBy = Object.fromEntries(Object.entries(spent).map(([k, ms]) => [k, perRequest(ms)]));
  return { ...outcome, cpuUs: answered ? (used.user + used.system) / answered : 0, cpuBy };
}

/** `node 700, redis-server 40, ferretdb 300, load 90, all 1130`: medians over the rounds, µs. */
function cpuBreakdown(rounds: Outcome[]): string {
  const parts = Object.keys(rounds[0].cpuBy).map(
    (name) => [name, median(rounds.map((o) => o.cpuBy[name] ?? 0))] as const,
  );
  const all = median(rounds.map((o) => Object.values(o.cpuBy).reduce((a, b) => a + b, 0)));
  return [...parts, ['all', all] as const].map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ');
}

/**
 * With BENCH_HTTP_PROFILE=<dir>, a CPU profile of this process (both apps) for each timed round,
 * `<dir>/<route>-<round>.cpuprofile`: one route's cost alone, without start-up and seeding.
 */
async function profiled<T>(route: Route, round: number, measure: () => Promise<T>): Promise<T> {
  if (!PROFILE_DIR) return measure();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await measure();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    const slug = route.name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '');
    writeFileSync(path.join(PROFILE_DIR, `${slug}-${round}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

function describe(route: Route, rounds: Outcome[]): string {
  const rates = rounds.map((o) => o.rate.toFixed(0)).join(', ');
  const bad = rounds.reduce((n, o) => n + o.non2xx + o.errors + o.timeouts, 0);
  const ok = rounds.reduce((n, o) => n + o.ok, 0);
  return (
    `${route.name}: ${median(rounds.map((o) => o.rate)).toFixed(0)} req/s (rounds ${rates}), ` +
    `p50 ${rounds.map((o) => o.p50).join('/')} ms, p99 ${rounds.map((o) => o.p99).join('/')} ms, ` +
    `cpu ${median(rounds.map((o) => o.cpuUs)).toFixed(0)} µs/request; ` +
    `${ok} 2xx, ${bad} not 2xx\n  cpu µs/request by process: ${cpuBreakdown(rounds)}`
  );
}

async function main(): Promise<void> {
  const prefix = runPrefix('http');
  const adminPassword = randomBytes(12).toString('hex');
  const config = apiConfig(prefix, adminPassword);
  console.log(
    `http: ${N} job records seeded; ${SECONDS} s per route at ${CONNECTIONS} connections, ${ROUNDS} rounds; load from a separate process; database and Redis prefix ${prefix}`,
  );
  const { app, port } = await startApp(config);
  const connection = app.get<Connection>(getConnectionToken());
  floor.db = connection.db!;
  floor.queue = new Queue('bench-floor', {
    connection: bullConnection(
      config.redis,
      { name: 'bench:floor', patience: 'patient' },
      () => {},
    ),
    prefix: config.redisPrefix,
  });
  const bare = await NestFactory.create(BareModule, { logger: false });
  await bare.listen(0, '127.0.0.1');
  const barePort = ((bare.getHttpServer() as Server).address() as AddressInfo).port;
  const client = new LoopbackClient(port);
  const cpuOf = BenchCpu.forConfig(config);
  const lines: string[] = [];
  let failure: string | undefined;
  const rates: Record<string, number> = {};
  try {
    const seeder = await Seeder.create(connection.db!, {
      target: N,
      tokenKey: config.social.tokenKey,
      parallel: PARALLEL,
    });
    console.log(describeSeed(await seeder.seedUpTo(N)));
    console.log(`derived indexes: ${await rebuildDerivedIndexes(app)}`);
    const token = await login(client, seeder.userEmail(seeder.hotUserIndex), PASSWORD);
    // Submissions come from another user: the hot user's list stays their seeded history (the
    // jobs generate queues stay live in Redis, no worker runs here, and would be its first page).
    const submitter = await login(client, seeder.userEmail(seeder.hotUserIndex + 1), PASSWORD);
    await login(client, ADMIN_EMAIL, adminPassword);
    const all: Route[] = [
      { name: 'bare Nest GET', port: barePort, method: 'GET', path: '/bare' },
      { name: 'GET /api/health/live', port, method: 'GET', path: '/api/health/live' },
      { name: 'GET /api/auth/me', port, method: 'GET', path: '/api/auth/me', token },
      {
        name: 'GET /api/jobs/user?limit=20',
        port,
        method: 'GET',
        path: '/api/jobs/user?limit=20',
        token,
      },
      {
        name: 'POST /api/content/generate',
        port,
        method: 'POST',
        path: '/api/content/generate',
        token: submitter,
        body: JSON.stringify({
          text: 'A bench paragraph to turn into a post.',
          platforms: ['twitter'],
        }),
      },
      // Not in the ratios: the least any submission costs (see BareController.submit), and a page
      // of jobs that are all still in Redis (the submitter's, waiting).
      {
        name: 'bare Nest POST (submission floor)',
        port: barePort,
        method: 'POST',
        path: '/bare/submit',
        body: JSON.stringify({ text: 'A bench paragraph to turn into a post.' }),
      },
      {
        name: 'GET /api/jobs/user?limit=20 (live jobs)',
        port,
        method: 'GET',
        path: '/api/jobs/user?limit=20',
        token: submitter,
      },
    ];
    const routes = all.filter((route) => !ONLY || ONLY.test(route.name));
    for (const route of routes) await load(route, 1, cpuOf);
    const outcomes = new Map<string, Outcome[]>(routes.map((r) => [r.name, []]));
    for (let round = 0; round < ROUNDS; round++)
      for (const route of routes)
        outcomes
          .get(route.name)!
          .push(await profiled(route, round, () => load(route, SECONDS, cpuOf)));
    for (const route of routes) {
      const rounds = outcomes.get(route.name)!;
      lines.push(describe(route, rounds));
      rates[route.name] = median(rounds.map((o) => o.rate));
      if (rounds.some((o) => o.non2xx || o.errors || o.timeouts))
        failure = `${route.name} answered something other than 2xx: the ratios would not count`;
    }
  } finally {
    client.close();
    await connection.dropDatabase().catch((e: Error) => console.error(`drop: ${e.message}`));
    await bare.close();
    await floor.queue.close();
    await app.close();
    await dropPrefix(config);
  }
  for (const line of lines) console.log(line);
  if (failure) throw new Error(failure);
  if (ONLY) return;
  const [bareRate, live, me, list, enqueue, submitFloor] = Object.values(rates);
  console.log(
    `floor ratio ${(submitFloor / me).toFixed(2)} (a bare route's one insert and one raw BullMQ add ÷ /auth/me)`,
  );
  const ratios = [
    `live ratio ${(live / bareRate).toFixed(2)}`,
    `auth ratio ${(me / bareRate).toFixed(2)}`,
    `list ratio ${(list / bareRate).toFixed(2)}`,
    `enqueue ratio ${(enqueue / me).toFixed(2)}`,
  ];
  for (const ratio of ratios) console.log(ratio);
  console.log(ratios.join(', '));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
