import type Redis from 'ioredis';
import { REDIS_CLIENT } from '../../src/infra/redis/redis.module';
import { QueueOperations, QueuesService } from '../../src/queues';
import { runTimesKey } from '../../src/queues/records/run-times';
import { ApiClient, Session } from '../support/api-client';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { uniqueName } from '../support/test-env';
import { NapQueueModule } from '../fixtures/nap-queue/nap.module';

/** How far an estimate may be from the start observed, relative to the wait (the issue's ±30 %). */
const TOLERANCE = 0.3;
/**
 * An error this small is within bounds however short the wait: one stall of the machine (GC, a
 * neighbour's ffmpeg, the host stealing CPU) after the estimates are read shifts every later
 * start by that much, which for a wait of under a second is already 30 %.
 */
const STALL_MS = 250;

interface Taken {
  jobId: string;
  position: number;
  estimatedAt: number;
  /** When the estimate was asked for: the wait is measured from here. */
  askedAt: number;
}

/**
 * GET /api/jobs/user/:jobId's start estimate against what happens: jobs of the `naps` fixture
 * queue sleep for the time their payload says, so their run time is known and the timing is
 * dominated by sleeps and rate limits, not by this (shared, noisy) machine's CPU.
 */
describe('start estimates of waiting jobs', () => {
  const started: TestApp[] = [];
  afterAll(async () => {
    for (const app of started) {
      await dropTestData(app);
      await app.close();
    }
  });

  async function setUp(env: Record<string, string>) {
    const app = await startTestApp(uniqueName('eta'), env, { extraModules: [NapQueueModule] });
    started.push(app);
    const api = new ApiClient(app.app);
    return {
      app,
      api,
      alice: await api.register('Alice'),
      queues: app.get(QueuesService),
      operations: app.get(QueueOperations),
    };
  }

  type Setup = Awaited<ReturnType<typeof setUp>>;

  const nap = async ({ queues }: Setup, owner: Session, ms: number) =>
    (await queues.addJob('naps', { name: 'nap', data: { ms, userId: owner.user.id } })).jobId;

  const detail = async ({ api }: Setup, owner: Session, jobId: string) =>
    (await api.call('get', `/jobs/user/${jobId}`, owner.token).expect(200)).body as {
      state: string;
      position?: number;
      estimatedStartAt?: string;
      estimateUnavailable?: string;
      timestamps: { started?: string; runAt?: string };
    };

  /** Runs `count` naps to the end, so the queue's average run time is known. */
  async function warmUp(setup: Setup, count: number, ms: number) {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push(await nap(setup, setup.alice, ms));
    await eventually(
      async () => {
        const states = await Promise.all(
          ids.map(async (id) => (await setup.queues.getJobStatus('naps', id)).state),
        );
        return states.every((s) => s === 'completed');
      },
      20_000,
      'warm-up naps completed',
    );
  }

  /** A paused backlog of `count` naps, then resumed; every job's estimate taken right after. */
  async function backlogResumed(setup: Setup, count: number, ms: number) {
    await setup.operations.pause('naps');
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push(await nap(setup, setup.alice, ms));
    const paused = await detail(setup, setup.alice, ids[count - 1]);
    await setup.operations.resume('naps');
    const askedAt = Date.now();
    const views = await Promise.all(ids.map((id) => detail(setup, setup.alice, id)));
    const taken: Taken[] = views.flatMap((view, i) =>
      view.estimatedStartAt && view.position
        ? [
            {
              jobId: ids[i],
              position: view.position,
              estimatedAt: Date.parse(view.estimatedStartAt),
              askedAt,
            },
          ]
        : [],
    );
    return { ids, paused, taken };
  }

  /** Each estimate against the job's observed start (processedOn), as relative errors of the wait. */
  async function compare(setup: Setup, taken: Taken[], label: string) {
    // Every start must be known. Not just the one furthest back when read: two jobs read at the
    // same position at different moments start at different times. Polled gently, so that the
    // test's own reads do not slow the runs it measures.
    const deadline = Date.now() + 30_000;
    for (const t of [...taken].sort((a, b) => b.position - a.position))
      while (!(await setup.queues.getJobStatus('naps', t.jobId)).timestamps.started) {
        if (Date.now() > deadline) throw new Error('the backlog did not start within 30 s');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    const rows = await Promise.all(
      taken.map(async (t) => {
        const status = await setup.queues.getJobStatus('naps', t.jobId);
        const observedWait = Date.parse(status.timestamps.started!) - t.askedAt;
        const estimatedWait = t.estimatedAt - t.askedAt;
        return {
          position: t.position,
          estimatedWait,
          observedWait,
          error: (estimatedWait - observedWait) / observedWait,
        };
      }),
    );
    const far = rows.filter((r) => r.position >= 5);
    const worst = Math.max(...far.map((r) => Math.abs(r.error)));
    const outside = far.filter(
      (r) =>
        Math.abs(r.estimatedWait - r.observedWait) > Math.max(TOLERANCE * r.observedWait, STALL_MS),
    );
    // The figures behind the tolerance, for whoever tunes it.
    console.log(
      `${label}: worst relative error ${(worst * 100).toFixed(1)} % over ${far.length} jobs\n` +
        far
          .map(
            (r) =>
              `  #${r.position}: estimated ${r.estimatedWait} ms, observed ${r.observedWait} ms (${(r.error * 100).toFixed(1)} %)`,
          )
          .join('\n'),
    );
    return { far, outside };
  }

  it('says a paused queue has no estimate, then is within ±30 % (or one 250 ms stall) once it runs again', async () => {
    const setup = await setUp({ QUEUE_NAPS_CONCURRENCY: '2' });
    await warmUp(setup, 4, 300);
    const { paused, taken } = await backlogResumed(setup, 30, 300);
    expect(paused).toMatchObject({ state: 'waiting', position: 30 });
    expect(paused.estimateUnavailable).toBe('queue is paused');
    expect(paused.estimatedStartAt).toBeUndefined();

    const { far, outside } = await compare(setup, taken, 'concurrency 2, 300 ms naps');
    // Thirty jobs, two at a time: however slowly a loaded machine reads the thirty estimates,
    // enough of them are still far back in line when read.
    expect(far.length).toBeGreaterThanOrEqual(8);
    expect(outside).toEqual([]);
  });

  it('is within ±30 % (or one 250 ms stall) on a rate-limited queue', async () => {
    // Four starts a second, two at a time, 50 ms each: the limiter sets the pace.
    const setup = await setUp({
      QUEUE_NAPS_CONCURRENCY: '2',
      QUEUE_NAPS_RATE_MAX: '4',
      QUEUE_NAPS_RATE_DURATION_MS: '1000',
    });
    await warmUp(setup, 2, 50);
    // Thirty: jobs that start while the estimates are read (four a second) have none, and a
    // loaded machine reads slowly; enough are still far back in line however slow it is.
    const { taken } = await backlogResumed(setup, 30, 50);
    const { far, outside } = await compare(setup, taken, 'rate 4/s, 50 ms naps');
    expect(far.length).toBeGreaterThanOrEqual(8);
    expect(outside).toEqual([]);
  });

  it('never puts a delayed job before its run time, and says nothing for a running or finished one', async () => {
    const setup = await setUp({});
    await warmUp(setup, 1, 20);
    // The one run so far is the average, kept by the call that closed the job's quota entry
    // (that call follows the job's completion by a moment).
    const redis = setup.app.get<Redis>(REDIS_CLIENT);
    const prefix = setup.app.config.redisKeys.base;
    const times = await eventually(async () => {
      const kept = await redis.hgetall(runTimesKey(prefix, 'naps'));
      return kept.samples === '1' && kept;
    });
    expect(Number(times.averageMs)).toBeGreaterThanOrEqual(20);
    expect(Number(times.averageMs)).toBeLessThan(1000);
    // Nothing of Alice's left open (her welcome email may end a moment after the nap).
    await eventually(
      async () => (await redis.scard(`${prefix}:idx:jobs:open:u:${setup.alice.user.id}`)) === 0,
      10_000,
      "Alice's open set empty",
    );
    const runAt = Date.now() + 60_000;
    const { jobId } = await setup.queues.addJob(
      'naps',
      { name: 'nap', data: { ms: 10, userId: setup.alice.user.id } },
      { delay: 60_000 },
    );
    const delayed = await detail(setup, setup.alice, jobId);
    expect(delayed.state).toBe('delayed');
    // The line is empty: it starts when it is due.
    expect(Date.parse(delayed.estimatedStartAt!)).toBe(Date.parse(delayed.timestamps.runAt!));
    expect(Date.parse(delayed.estimatedStartAt!)).toBeGreaterThanOrEqual(runAt - 1000);

    const long = await nap(setup, setup.alice, 2000);
    await eventually(async () => (await detail(setup, setup.alice, long)).state === 'active');
    const running = await detail(setup, setup.alice, long);
    expect(running.estimatedStartAt).toBeUndefined();
    expect(running.estimateUnavailable).toBeUndefined();
  });
});
