/**
 * The chaos suite (`npm run chaos`; not part of `npm test`): 2 API and 2 worker processes of
 * `dist/main.js` on loopback, with a Redis (AOF) and a FerretDB of the suite's own, fake X and
 * LinkedIn APIs and a real SMTP server, under a load of posts, content generation and sign-ups
 * (welcome emails) sent to the two API processes in turn. Scenarios, in order, each with its
 * own burst of load, then a wait until everything settled, then checks:
 *
 *   kill          kill -9 a worker CHAOS_KILLS (12) times while jobs flow, a fresh one each time
 *   sigterm       SIGTERM a worker while the platforms hold its requests past SHUTDOWN_TIMEOUT_MS
 *   redis-restart Redis SHUTDOWN under load, back with its AOF
 *   redis-empty   Redis kill -9 under load, its data deleted, back empty (jobs come back from MongoDB)
 *   db-outage     FerretDB stopped CHAOS_DB_OUTAGE_MS (20 s) with a backlog of posts, started again
 *   big           CHAOS_JOBS (2,000; 20,000 for the full run, see chaos/README.md) mixed requests
 *   master-kill   (CHAOS_REDIS=cluster|sentinel only) kill -9 of a Redis master under load: on a
 *                 cluster the one holding the product's own keys (job index, events), with
 *                 Sentinel the only master; its replica takes over
 *
 * CHAOS_REDIS picks the Redis the processes share: `single` (default; one node with AOF),
 * `cluster` (6 nodes, 3 masters, on 7500..7505) or `sentinel` (master 7600, replica 7601,
 * sentinels 7602..7604), both started by scripts/redis-cluster.js / redis-sentinel.js. The
 * default scenarios on a replicated Redis are `master-kill,kill`; `npm run chaos` runs all three.
 *
 * Checks per scenario: every accepted job (202, and each new user's welcome email) has its final
 * record `completed`; none failed; nothing left waiting/active/delayed in Redis; each post's text
 * reached each platform once (not 0, not 2); each email job's Message-ID arrived, and twice only
 * within the documented window (a crash between the SMTP 250 and the ledger write); no 5xx but
 * the 503 of an outage; no process exited on its own; each completed job's ending reached its
 * owner's socket (one socket.io client per user) once and no failure event was sent. Over the
 * whole run: every scheduled-posts cron tick (every CRON_PERIOD_MS, 10 s here) ran once, but
 * those while Redis was down (run history, polled). Last line: `chaos: N checks, M failed`.
 *
 * Knobs: CHAOS_SCENARIOS (comma list, default all), CHAOS_JOBS, CHAOS_KILLS, CHAOS_USERS (24),
 * CHAOS_DB_OUTAGE_MS, CHAOS_SETTLE_MS (120000), CHAOS_DEADLINE_MS (720000), CHAOS_RATE (requests
 * a second offered at most, in all loops of a scenario's load: 36).
 */
import { randomBytes } from 'node:crypto';
import { mongo } from 'mongoose';
import { Accepted, ApiClient, StatusCounts } from './client';
import {
  ADMIN,
  Cluster,
  CRON_PERIOD_MS,
  LOG_DIR,
  RedisTopology,
  SHUTDOWN_TIMEOUT_MS,
} from './cluster';
import { AofRedis } from './redis-aof';
import { ReplicatedRedis } from './redis-replicated';
import { CronWatch, EventWatch } from './observers';
import { Platform } from './platforms-fake';
import { Report } from './report';

const num = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
const KNOBS = {
  jobs: num('CHAOS_JOBS', 2000),
  kills: num('CHAOS_KILLS', 12),
  users: num('CHAOS_USERS', 24),
  dbOutageMs: num('CHAOS_DB_OUTAGE_MS', 20_000),
  settleMs: num('CHAOS_SETTLE_MS', 120_000),
  deadlineMs: num('CHAOS_DEADLINE_MS', 720_000),
  rate: num('CHAOS_RATE', 36),
};
const TOPOLOGY = (process.env.CHAOS_REDIS?.trim() || 'single') as RedisTopology;
if (!['single', 'cluster', 'sentinel'].includes(TOPOLOGY))
  throw new Error(`CHAOS_REDIS must be single, cluster or sentinel, not "${TOPOLOGY}"`);
const SINGLE_SCENARIOS = ['kill', 'sigterm', 'redis-restart', 'redis-empty', 'db-outage', 'big'];
const ALL_SCENARIOS = [...SINGLE_SCENARIOS, 'master-kill'];
const DEFAULT_SCENARIOS = TOPOLOGY === 'single' ? SINGLE_SCENARIOS : ['master-kill', 'kill'];
const SCENARIOS = (process.env.CHAOS_SCENARIOS?.trim() || DEFAULT_SCENARIOS.join(','))
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);

const started = Date.now();
const deadline = started + KNOBS.deadlineMs;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const remaining = () => deadline - Date.now();
const log = (line: string) =>
  console.log(`[chaos ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`);

interface Session {
  id: string;
  email: string;
  token: string;
}

/** One scenario's bookkeeping. */
class Scenario {
  readonly accepted: Accepted[] = [];
  readonly newUsers: Session[] = [];
  readonly counts = new StatusCounts();
  /** Worker processes killed (the email window applies once per crash at most). */
  crashes = 0;
  outage = false;
  constructor(readonly name: string) {}
}

interface JobRecordView {
  _id: string;
  queue: string;
  state: string;
  failedReason?: string;
}

class Suite {
  readonly report = new Report();
  readonly client: ApiClient;
  readonly users: Session[] = [];
  readonly allAccepted: Accepted[] = [];
  private adminToken = '';
  private mongoClient: mongo.MongoClient;
  private seq = 0;
  readonly runTag = randomBytes(3).toString('hex');
  readonly events = new EventWatch();
  readonly crons: CronWatch;

  constructor(readonly cluster: Cluster) {
    this.client = new ApiClient(() => cluster.apiUrls);
    this.crons = new CronWatch(
      this.client,
      () => this.adminToken,
      'scheduled-posts',
      CRON_PERIOD_MS,
    );
    this.mongoClient = new mongo.MongoClient(cluster.mongoUri, { serverSelectionTimeoutMS: 5000 });
  }

  async setup(): Promise<void> {
    const setup = new Scenario('setup');
    this.client.counts = setup.counts;
    const admin = await this.client.call('POST', '/auth/login', undefined, ADMIN);
    if (admin.status !== 200)
      throw new Error(`admin login: ${admin.status} ${JSON.stringify(admin.body)}`);
    this.adminToken = (admin.body as { accessToken: string }).accessToken;
    for (let i = 0; i < KNOBS.users; i++) {
      const user = await this.register(setup, `user${i}`);
      if (!user) throw new Error(`could not register user ${i}: ${setup.counts.summary()}`);
      const twToken = `tw-${this.runTag}-${i}-${randomBytes(6).toString('hex')}`;
      const liToken = `li-${this.runTag}-${i}-${randomBytes(6).toString('hex')}`;
      const twAccount = `tw${this.runTag}${i}`;
      const liAccount = `urn:li:person:${this.runTag}${i}`;
      this.cluster.platforms.addAccount('twitter', twToken, twAccount);
      this.cluster.platforms.addAccount('linkedin', liToken, liAccount);
      // Half the X accounts are linked without their id: the product asks GET /2/users/me.
      const links = [
        { platform: 'twitter', accessToken: twToken, ...(i % 2 ? {} : { externalId: twAccount }) },
        { platform: 'linkedin', accessToken: liToken, externalId: liAccount },
      ];
      for (const link of links) {
        const res = await this.client.call('POST', '/social/accounts', user.token, link);
        if (res.status >= 300)
          throw new Error(`link ${link.platform}: ${res.status} ${JSON.stringify(res.body)}`);
      }
      this.users.push(user);
    }
    await this.mongoClient.connect();
    await this.events.connect(
      this.cluster.apiUrls,
      this.users.map((u) => u.token),
    );
    this.crons.start();
    await this.settle(setup);
  }

  private async register(sc: Scenario, label: string): Promise<Session | undefined> {
    const email = `chaos-${this.runTag}-${sc.name}-${label}-${++this.seq}@example.com`;
    const res = await this.client.call('POST', '/auth/register', undefined, {
      email,
      password: 'password123',
      name: `Chaos ${label}`,
    });
    if (res.status !== 201) return undefined;
    const body = res.body as { accessToken: string; user: { id: string } };
    const session = { id: body.user.id, email, token: body.accessToken };
    sc.newUsers.push(session);
    return session;
  }

  private record(sc: Scenario, accepted: Omit<Accepted, 'scenario'>): void {
    const entry = { ...accepted, scenario: sc.name, at: Date.now() - started };
    sc.accepted.push(entry);
    this.allAccepted.push(entry);
  }

  async post(sc: Scenario): Promise<number> {
    const user = this.users[Math.floor(Math.random() * this.users.length)];
    const text = `chaos ${this.runTag} ${sc.name} post #${++this.seq} ${randomBytes(4).toString('hex')}`;
    const platforms = ['twitter', 'linkedin'];
    const res = await this.client.call('POST', '/posts', user.token, {
      platforms,
      content: { text },
    });
    if (res.status === 202) {
      const body = res.body as { jobId: string; queue: string };
      this.record(sc, { jobId: body.jobId, queue: body.queue, text, platforms, token: user.token });
    }
    return res.status;
  }

  async generate(sc: Scenario): Promise<number> {
    const user = this.users[Math.floor(Math.random() * this.users.length)];
    const text = `Chaos content ${this.runTag} number ${++this.seq}. Queues survive crashes. Records converge after outages.`;
    const res = await this.client.call('POST', '/content/generate', user.token, {
      text,
      platforms: ['twitter'],
    });
    if (res.status === 202) {
      const body = res.body as { jobId: string; queue: string };
      this.record(sc, { jobId: body.jobId, queue: body.queue, token: user.token });
    }
    return res.status;
  }

  /**
   * Requests from `concurrency` loops until `max` were sent or stop() is called: 65 % posts, 30 %
   * content generation, 5 % sign-ups (each a welcome email). Paced (all but `big`): at most
   * CHAOS_RATE requests a second in all, so the load a fault meets stays the same whatever the
   * API's speed (a faster API once meant a third more jobs in the same scenario, and a run that
   * measured the machine's two cores, not the faults).
   */
  startLoad(
    sc: Scenario,
    max: number,
    concurrency: number,
    mix = { post: 0.65, generate: 0.3 },
    paced = true,
  ) {
    let sent = 0;
    let stopped = false;
    const gapMs = paced ? (concurrency * 1000) / KNOBS.rate : 0;
    const loop = async () => {
      while (!stopped && sent < max && remaining() > 60_000) {
        sent++;
        const at = Date.now();
        const roll = Math.random();
        const status =
          roll < mix.post
            ? await this.post(sc)
            : roll < mix.post + mix.generate
              ? await this.generate(sc)
              : (await this.register(sc, 'load'))
                ? 201
                : 0;
        // A client told the service is away (503, Retry-After) waits a little before the next.
        if (status === 503 || status === 0) await sleep(250);
        else await sleep(gapMs - (Date.now() - at));
      }
    };
    const done = Promise.all(Array.from({ length: concurrency }, loop)).then(() => sent);
    return {
      stop: () => {
        stopped = true;
        return done;
      },
      done,
    };
  }

  /** The welcome email job of each user signed up in the scenario (from the user's own job list). */
  private async welcomeEmails(sc: Scenario, until: number): Promise<Map<string, string[]>> {
    const found = new Map<string, string[]>();
    const pending = [...sc.newUsers];
    while (pending.length && Date.now() < until) {
      for (const user of pending.splice(0)) {
        const res = await this.client.call(
          'GET',
          '/jobs/user?queue=email-sending&limit=100',
          user.token,
          undefined,
          false,
        );
        const items =
          res.status === 200 ? (res.body as { items: { id: string }[] }).items : undefined;
        if (items && items.length > 0)
          found.set(
            user.id,
            items.map((i) => i.id),
          );
        else pending.push(user);
      }
      if (pending.length) await sleep(1000);
    }
    return found;
  }

  private async readRecords(ids: string[]): Promise<Map<string, JobRecordView>> {
    const records = new Map<string, JobRecordView>();
    const collection = this.mongoClient.db().collection<JobRecordView>('job_records');
    const queue = [...ids];
    const worker = async () => {
      for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
        const record = await collection
          .findOne({ _id: id }, { projection: { queue: 1, state: 1, failedReason: 1 } })
          .catch(() => null);
        if (record) records.set(id, record);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    return records;
  }

  private async redisBacklog(): Promise<{ total: number; detail: string } | undefined> {
    const res = await this.client.call(
      'GET',
      '/jobs/dashboard/stats',
      this.adminToken,
      undefined,
      false,
    );
    if (res.status !== 200) return undefined;
    const stats = res.body as Record<string, { waiting: number; active: number; delayed: number }>;
    let total = 0;
    const detail: string[] = [];
    for (const [queue, c] of Object.entries(stats)) {
      const n = c.waiting + c.active + c.delayed;
      total += n;
      if (n) detail.push(`${queue} w${c.waiting}/a${c.active}/d${c.delayed}`);
    }
    return { total, detail: detail.join(', ') };
  }

  /** Waits until every job of the scenario has a final record (bounded), then checks. */
  async settle(sc: Scenario): Promise<void> {
    const until = Math.min(Date.now() + KNOBS.settleMs, deadline - 20_000);
    const welcome = await this.welcomeEmails(sc, until);
    const emailJobs = [...welcome.values()].flat();
    const jobs = new Map<string, Accepted>();
    for (const a of sc.accepted) jobs.set(a.jobId, a);
    for (const id of emailJobs)
      jobs.set(id, { jobId: id, queue: 'email-sending', scenario: sc.name });
    const final = new Map<string, JobRecordView>();
    let waitingOn = [...jobs.keys()];
    while (Date.now() < until) {
      const records = await this.readRecords(waitingOn);
      for (const [id, r] of records)
        if (['completed', 'failed', 'cancelled'].includes(r.state)) final.set(id, r);
      waitingOn = waitingOn.filter((id) => !final.has(id));
      if (!waitingOn.length) break;
      await sleep(1000);
    }
    let backlog = await this.redisBacklog();
    while ((!backlog || backlog.total > 0) && Date.now() < until) {
      await sleep(1000);
      backlog = await this.redisBacklog();
    }
    // An ending whose worker died before sending it is announced by the reconciler when it gets
    // to that job's check (one pass every JOB_RECONCILE_INTERVAL_MS, 500 jobs each, oldest due
    // first): after a burst of thousands that can take passes after the queues are empty. Wait
    // for it within the same bound; one never announced still fails the check below.
    const unheard = () =>
      sc.accepted.some(
        (a) =>
          a.token &&
          final.get(a.jobId)?.state === 'completed' &&
          this.events.count(a.token, a.jobId, 'job:completed') === 0,
      );
    while (unheard() && Date.now() < until) await sleep(1000);
    // Side effects of the last jobs (the SMTP server's parse, the last POSTs) land.
    await sleep(1500);
    log(`${sc.name}: settled (${final.size}/${jobs.size} final; ${sc.counts.summary()})`);
    // What the API says of jobs that have no final record (for the notes).
    const views = new Map<string, string>();
    for (const id of [...jobs.keys()].filter((j) => !final.has(j)).slice(0, 5)) {
      const token = jobs.get(id)?.token;
      if (!token) continue;
      const res = await this.client.call('GET', `/jobs/user/${id}`, token, undefined, false);
      views.set(id, `${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    }
    this.check(sc, jobs, final, welcome, backlog, views);
  }

  private check(
    sc: Scenario,
    jobs: Map<string, Accepted>,
    final: Map<string, JobRecordView>,
    welcome: Map<string, string[]>,
    backlog: { total: number; detail: string } | undefined,
    views: Map<string, string>,
  ): void {
    const r = this.report;
    const name = sc.name;
    const all = [...final.values()];
    const completed = all.filter((x) => x.state === 'completed');
    const failed = all.filter((x) => x.state !== 'completed');
    r.add(name, 'jobs accepted (202 + welcome emails)', '> 0', jobs.size, jobs.size > 0);
    r.equal(name, 'jobs completed (final record)', jobs.size, completed.length);
    r.equal(name, 'jobs failed or cancelled', 0, failed.length);
    r.equal(name, 'jobs without a final record', 0, jobs.size - final.size);
    for (const f of failed.slice(0, 5))
      r.note(`${name}: ${f.queue} ${f._id} ${f.state}: ${f.failedReason}`);
    const unfinished = [...jobs.keys()].filter((id) => !final.has(id));
    if (unfinished.length) r.note(`${name}: not final: ${unfinished.slice(0, 5).join(', ')}`);
    for (const id of unfinished.slice(0, 5)) {
      const a = jobs.get(id);
      r.note(
        `${name}: ${id} (${a?.queue}, accepted at ${((a?.at ?? 0) / 1000).toFixed(1)} s): ${views.get(id) ?? ''}`,
      );
    }
    r.add(
      name,
      'left waiting/active/delayed in Redis',
      0,
      backlog ? backlog.total : 'n/a',
      backlog?.total === 0,
    );
    if (backlog?.total) r.note(`${name}: Redis backlog ${backlog.detail}`);

    // Posts: each text on each platform exactly once when the job completed, never twice.
    const counts = this.cluster.platforms.postCounts();
    let doubled = 0;
    let missing = 0;
    for (const a of sc.accepted) {
      if (!a.text) continue;
      for (const platform of a.platforms ?? []) {
        const n = counts.get(`${platform}\u0000${a.text}`) ?? 0;
        if (n > 1) {
          doubled++;
          if (doubled <= 3)
            r.note(
              `${name}: ${a.jobId} posted ${n}× to ${platform}: ${this.cluster.platforms.explain(platform as Platform, a.text)}`,
            );
        }
        if (n === 0 && final.get(a.jobId)?.state === 'completed') {
          missing++;
          if (missing <= 3) r.note(`${name}: ${a.jobId} completed but nothing on ${platform}`);
        }
      }
    }
    const posts = sc.accepted.filter((a) => a.text).length;
    r.equal(name, `posts made twice (of ${posts} jobs × 2 platforms)`, 0, doubled);
    r.equal(name, 'posts completed but not made', 0, missing);

    // Live events: each job's ending reached its owner's socket once, and no failure was announced.
    let unheard = 0;
    let heardTwice = 0;
    let failureEvents = 0;
    for (const a of sc.accepted) {
      if (!a.token || final.get(a.jobId)?.state !== 'completed') continue;
      const n = this.events.count(a.token, a.jobId, 'job:completed');
      if (n === 0 && ++unheard <= 3) r.note(`${name}: ${a.jobId} completed, owner not told`);
      if (n > 1 && ++heardTwice <= 3) r.note(`${name}: ${a.jobId} completion told ${n}×`);
      failureEvents +=
        this.events.count(a.token, a.jobId, 'job:failed') +
        this.events.count(a.token, a.jobId, 'job:cancelled');
    }
    r.equal(name, 'completions not told to the owner’s socket', 0, unheard);
    r.equal(name, 'completions told twice', 0, heardTwice);
    r.equal(name, 'failure events told to owners', 0, failureEvents);

    // Emails: one welcome email job per new user; each Message-ID arrived, twice at most per crash.
    r.equal(
      name,
      'new users with one welcome email job',
      sc.newUsers.length,
      [...welcome.values()].filter((ids) => ids.length === 1).length,
    );
    const byJob = new Map<string, number>();
    for (const mail of this.cluster.smtp.received) {
      const id = /^<([^@>]+)@/.exec(mail.parsed.messageId ?? '')?.[1];
      if (id) byJob.set(id, (byJob.get(id) ?? 0) + 1);
    }
    const emailIds = [...welcome.values()].flat();
    const notArrived = emailIds.filter(
      (id) => final.get(id)?.state === 'completed' && !byJob.get(id),
    ).length;
    const twice = emailIds.filter((id) => (byJob.get(id) ?? 0) > 1).length;
    r.equal(name, 'emails completed but not received', 0, notArrived);
    r.atMost(
      name,
      'emails received twice (documented window)',
      sc.crashes,
      twice,
      `≤ ${sc.crashes} (crashes)`,
    );

    // HTTP answers.
    const other5xx = sc.counts.count((s) => s >= 500 && s !== 503);
    const s503 = sc.counts.count((s) => s === 503);
    const s4xx = sc.counts.count((s) => s >= 400 && s < 500);
    r.equal(name, '5xx other than 503', 0, other5xx);
    if (sc.outage) r.add(name, '503 while a dependency was down', 'any', s503, true);
    else r.equal(name, '503 (no outage)', 0, s503);
    r.equal(name, '4xx answers', 0, s4xx);
    r.equal(name, 'requests with no answer', 0, sc.counts.networkErrors);
    for (const s of sc.counts.samples) r.note(`${name}: ${s}`);
    const exits = this.cluster.unexpectedExits();
    r.equal(name, 'processes that exited on their own', 0, exits.length);
    if (exits.length) r.note(`${name}: exited: ${exits.join(', ')}`);
  }

  // ---- scenarios

  async kill(sc: Scenario): Promise<void> {
    const load = this.startLoad(sc, 100_000, 6);
    for (let i = 0; i < KNOBS.kills && remaining() > 120_000; i++) {
      await sleep(1000 + Math.random() * 1500);
      await this.cluster.killWorker(i % 2);
      sc.crashes++;
    }
    const sent = await load.stop();
    log(`kill: ${sc.crashes} kill -9, ${sent} requests`);
    this.report.add(sc.name, 'workers killed with kill -9', `≥ 10`, sc.crashes, sc.crashes >= 10);
  }

  async sigterm(sc: Scenario): Promise<void> {
    const platforms = this.cluster.platforms;
    platforms.hold();
    const load = this.startLoad(sc, 24, 4, { post: 1, generate: 0 });
    const heldBy = Date.now() + 20_000;
    while (platforms.heldCount < 6 && Date.now() < heldBy) await sleep(100);
    await sleep(500);
    log(`sigterm: ${platforms.heldCount} platform requests held; SIGTERM worker 0`);
    const heldAt = Date.now();
    const exit = await this.cluster.terminateWorker(0);
    // The held requests are answered only after the shutdown timeout has passed.
    await sleep(Math.max(0, SHUTDOWN_TIMEOUT_MS + 2000 - (Date.now() - heldAt)));
    platforms.release();
    await load.done;
    await this.cluster.restartWorker(0);
    log(`sigterm: worker exited ${String(exit.code)} after ${exit.ms} ms`);
    this.report.equal(sc.name, 'SIGTERM: exit code', 0, Number(exit.code));
    this.report.atMost(
      sc.name,
      'SIGTERM: exit within timeout + 5 s (ms)',
      SHUTDOWN_TIMEOUT_MS + 5000,
      exit.ms,
    );
    this.report.add(
      sc.name,
      'requests held past the timeout',
      '≥ 1',
      platforms.heldCount,
      platforms.heldCount >= 1,
    );
  }

  /** The one-node Redis of the single topology (the restart scenarios need its AOF). */
  private aof(): AofRedis {
    if (!(this.cluster.redis instanceof AofRedis))
      throw new Error('this scenario needs CHAOS_REDIS=single');
    return this.cluster.redis;
  }

  async masterKill(sc: Scenario): Promise<void> {
    const redis = this.cluster.redis;
    if (!(redis instanceof ReplicatedRedis))
      throw new Error('master-kill needs CHAOS_REDIS=cluster or sentinel');
    sc.outage = true;
    const load = this.startLoad(sc, 100_000, 6);
    await sleep(4000);
    // On a cluster every product key carries the hash tag {<prefix>}: kill the master of that slot.
    const key = `{${this.cluster.env.REDIS_PREFIX}}:chaos`;
    const down = Date.now();
    const acceptedBefore = sc.accepted.length;
    const { master, ms } = await redis.killMaster(key);
    log(`master-kill: kill -9 of ${master}; a replica took over after ${ms} ms`);
    // Ticks due while no master answered (and the failover's first seconds) may not run.
    this.crons.outage(down, Date.now() + 2000);
    await sleep(8000);
    const sent = await load.stop();
    log(`master-kill: ${sent} requests`);
    this.report.add(sc.name, 'replica took over (ms)', '≤ 60000', ms, ms <= 60_000);
    this.report.add(
      sc.name,
      'jobs accepted after the take-over',
      '> 0',
      sc.accepted.length - acceptedBefore,
      sc.accepted.length > acceptedBefore,
    );
  }

  async redisRestart(sc: Scenario): Promise<void> {
    const redis = this.aof();
    sc.outage = true;
    const load = this.startLoad(sc, 100_000, 4);
    await sleep(3000);
    log('redis-restart: SHUTDOWN');
    const down = Date.now();
    await redis.shutdown();
    await sleep(5000);
    await redis.start();
    this.crons.outage(down, Date.now());
    log('redis-restart: back with its AOF');
    await sleep(6000);
    const sent = await load.stop();
    log(`redis-restart: ${sent} requests`);
  }

  async redisEmpty(sc: Scenario): Promise<void> {
    const redis = this.aof();
    sc.outage = true;
    const load = this.startLoad(sc, 100_000, 4);
    await sleep(3000);
    log('redis-empty: kill -9, data deleted');
    const down = Date.now();
    await redis.kill();
    redis.wipe();
    await sleep(3000);
    await redis.start();
    this.crons.outage(down, Date.now());
    log('redis-empty: back, empty');
    await sleep(8000);
    const sent = await load.stop();
    log(`redis-empty: ${sent} requests`);
  }

  async dbOutage(sc: Scenario): Promise<void> {
    sc.outage = true;
    const platforms = this.cluster.platforms;
    const latency = platforms.latencyMs;
    platforms.latencyMs = { min: 300, max: 600 };
    const backlog = this.startLoad(sc, 150, 8, { post: 0.8, generate: 0.2 });
    await backlog.done;
    log('db-outage: backlog queued; FerretDB stopped');
    const load = this.startLoad(sc, 100_000, 2);
    await this.cluster.mongo.stop();
    await sleep(KNOBS.dbOutageMs);
    await this.cluster.mongo.start();
    log('db-outage: FerretDB back');
    await sleep(5000);
    const sent = await load.stop();
    platforms.latencyMs = latency;
    log(`db-outage: ${sent} more requests`);
  }

  async big(sc: Scenario): Promise<void> {
    // As fast as the API answers: this one is about volume.
    const load = this.startLoad(sc, KNOBS.jobs, 12, undefined, false);
    const sent = await load.done;
    log(`big: ${sent} requests, ${sc.accepted.length} accepted`);
  }

  async run(name: string): Promise<void> {
    const sc = new Scenario(name);
    this.client.counts = sc.counts;
    log(`${name}: start`);
    const body: Record<string, (s: Scenario) => Promise<void>> = {
      kill: (s) => this.kill(s),
      sigterm: (s) => this.sigterm(s),
      'redis-restart': (s) => this.redisRestart(s),
      'redis-empty': (s) => this.redisEmpty(s),
      'db-outage': (s) => this.dbOutage(s),
      big: (s) => this.big(s),
      'master-kill': (s) => this.masterKill(s),
    };
    const scenario = body[name];
    if (!scenario) {
      this.report.add(name, 'known scenario', ALL_SCENARIOS.join('|'), name, false);
      return;
    }
    await scenario(sc);
    await this.settle(sc);
  }

  /** Over the whole run: every text on each platform at most once, and all jobs still completed. */
  async finalChecks(): Promise<void> {
    const doubled = [...this.cluster.platforms.postCounts().values()].filter((n) => n > 1).length;
    this.report.equal('all', 'texts posted twice to a platform', 0, doubled);
    const records = await this.readRecords(this.allAccepted.map((a) => a.jobId));
    const completed = [...records.values()].filter((x) => x.state === 'completed').length;
    this.report.equal(
      'all',
      'accepted jobs completed at the end',
      this.allAccepted.length,
      completed,
    );
    const ticks = await this.crons.stop();
    this.report.add(
      'all',
      `cron ticks observed (scheduled-posts, every ${CRON_PERIOD_MS / 1000} s, Redis up)`,
      '> 0',
      ticks.slots,
      ticks.slots > 0,
    );
    this.report.equal('all', 'cron ticks run twice', 0, ticks.twice.length);
    this.report.equal('all', 'cron ticks not run', 0, ticks.missing.length);
    if (ticks.twice.length)
      this.report.note(`ticks run twice: ${ticks.twice.slice(0, 5).join(', ')}`);
    if (ticks.missing.length)
      this.report.note(`ticks not run: ${ticks.missing.slice(0, 5).join(', ')}`);
    this.report.equal('all', 'owner sockets dropped by the server', 0, this.events.disconnects);
    this.report.note(
      `platform reads (uncertain-post lookups): ${this.cluster.platforms.reads}; posts made: ${this.cluster.platforms.posts.length}; emails received: ${this.cluster.smtp.received.length}`,
    );
  }

  async close(): Promise<void> {
    this.events.close();
    await this.mongoClient.close().catch(() => undefined);
  }
}

async function main(): Promise<number> {
  let cluster: Cluster | undefined;
  let suite: Suite | undefined;
  const report = () => suite?.report ?? new Report();
  let finished = false;
  const finish = async (reason?: string): Promise<number> => {
    if (finished) return 1;
    finished = true;
    const r = report();
    if (reason) r.add('run', reason, 'no', 'yes', false);
    await suite?.close();
    await cluster?.dispose().catch((e: Error) => console.error(`cleanup: ${e.message}`));
    console.log(`\nlogs of the app processes: ${LOG_DIR}\n`);
    console.log(r.print(Date.now() - started));
    return r.failed ? 1 : 0;
  };
  process.on('exit', () => cluster?.killNow());
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(
      signal,
      () => void finish(`interrupted (${signal})`).then(() => process.exit(130)),
    );
  const guard = setTimeout(
    () => void finish(`global deadline ${KNOBS.deadlineMs} ms passed`).then(() => process.exit(1)),
    KNOBS.deadlineMs,
  );
  try {
    log(`starting: Redis ${TOPOLOGY}; scenarios ${SCENARIOS.join(', ')}; CHAOS_JOBS=${KNOBS.jobs}`);
    cluster = await Cluster.start(TOPOLOGY);
    log(
      `topology up: api ${cluster.apiUrls.join(' ')}; redis ${cluster.redis.url}; ferretdb :${cluster.mongo.port}`,
    );
    suite = new Suite(cluster);
    await suite.setup();
    for (const name of SCENARIOS) {
      if (remaining() < 90_000) {
        suite.report.add(name, 'ran before the deadline', 'yes', 'no time left', false);
        continue;
      }
      await suite.run(name);
    }
    await suite.finalChecks();
    clearTimeout(guard);
    return await finish();
  } catch (error) {
    clearTimeout(guard);
    console.error(error);
    return await finish(`error: ${(error as Error).message.split('\n')[0].slice(0, 120)}`);
  }
}

void main().then((code) => process.exit(code));
