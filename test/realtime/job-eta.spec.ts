import type { AddressInfo } from 'node:net';
import type Redis from 'ioredis';
import { io, Socket } from 'socket.io-client';
import { REDIS_CLIENT } from '../../src/infra/redis/redis.module';
import { QueueOperations, QueuesService } from '../../src/queues';
import { runTimesKey } from '../../src/queues/records/run-times';
import type { JobEtaEvent } from '../../src/realtime/job-eta.watch';
import { ApiClient, Session } from '../support/api-client';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { uniqueName } from '../support/test-env';
import { NapQueueModule } from '../fixtures/nap-queue/nap.module';

const CHECK_MS = 100;

/**
 * `watch` over the socket: the ack carries a job's start estimate, and job:eta follows when it
 * moves by more than a minute or comes and goes — not on every check.
 */
describe('start estimates over socket.io (/jobs)', () => {
  let app: TestApp;
  let api: ApiClient;
  let url: string;
  let alice: Session;
  let bob: Session;
  let queues: QueuesService;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    app = await startTestApp(
      uniqueName('rteta'),
      { JOB_ETA_CHECK_INTERVAL_MS: String(CHECK_MS) },
      { listen: true, extraModules: [NapQueueModule] },
    );
    api = new ApiClient(app.app);
    url = `http://127.0.0.1:${(app.app.getHttpServer().address() as AddressInfo).port}`;
    alice = await api.register('Alice');
    bob = await api.register('Bob');
    queues = app.get(QueuesService);
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await dropTestData(app);
    await app.close();
  });

  async function connect(session: Session) {
    const socket = io(`${url}/jobs`, { auth: { token: session.token }, transports: ['websocket'] });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    const etas: JobEtaEvent[] = [];
    socket.on('job:eta', (event: JobEtaEvent) => etas.push(event));
    return { socket, etas };
  }

  const nap = async (owner: Session, ms: number) =>
    (await queues.addJob('naps', { name: 'nap', data: { ms, userId: owner.user.id } })).jobId;
  const stateOf = async (jobId: string) => (await queues.getJobStatus('naps', jobId)).state;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('tells the watcher when the estimate moves by more than a minute, or comes and goes', async () => {
    const warm = await nap(alice, 100);
    await eventually(async () => (await stateOf(warm)) === 'completed');
    // One slot, held by a long nap: the watched job waits behind it.
    const long = await nap(alice, 20_000);
    await eventually(async () => (await stateOf(long)) === 'active');
    const watched = await nap(alice, 10);

    const { socket, etas } = await connect(alice);
    const ack = (await socket.emitWithAck('watch', { jobId: watched })) as {
      ok: boolean;
      state: string;
      estimatedStartAt?: string;
    };
    expect(ack).toMatchObject({ ok: true, state: 'pending', jobId: watched });
    // The long nap is past the ~100 ms average: for all the queue knows, it ends any moment.
    expect(Math.abs(Date.parse(ack.estimatedStartAt!) - Date.now())).toBeLessThan(5000);

    // Checks keep running; the estimate drifts by milliseconds, which is not news.
    await sleep(CHECK_MS * 6);
    expect(etas).toEqual([]);

    const operations = app.get(QueueOperations);
    await operations.pause('naps');
    await eventually(() => etas.length === 1, undefined, 'paused announced');
    expect(etas[0]).toEqual({
      jobId: watched,
      queue: 'naps',
      estimateUnavailable: 'queue is paused',
    });
    await operations.resume('naps');
    await eventually(() => etas.length === 2, undefined, 'resumed announced');
    expect(etas[1]).toEqual({
      jobId: watched,
      queue: 'naps',
      estimatedStartAt: expect.any(String),
    });

    // The queue's runs turn out to take ten minutes: the long nap holds its slot that much longer.
    const redis = app.get<Redis>(REDIS_CLIENT);
    await redis.hset(runTimesKey(app.config.redisKeys.base, 'naps'), 'averageMs', '600000');
    await eventually(() => etas.length === 3, undefined, 'the new estimate announced');
    const moved = Date.parse(etas[2].estimatedStartAt!) - Date.parse(etas[1].estimatedStartAt!);
    expect(moved).toBeGreaterThan(9 * 60_000);
    await sleep(CHECK_MS * 6);
    expect(etas).toHaveLength(3);

    // It runs: nothing more to estimate.
    await queues.cancelJob('naps', long, 'test over');
    await eventually(async () => (await stateOf(watched)) === 'completed');
    await sleep(CHECK_MS * 4);
    expect(etas).toHaveLength(3);
  });

  it('refuses to watch another user’s job, as if it did not exist', async () => {
    const job = await nap(alice, 10);
    const { socket } = await connect(bob);
    expect(await socket.emitWithAck('watch', { jobId: job })).toEqual({
      ok: false,
      error: `Job ${job} not found`,
    });
    expect(await socket.emitWithAck('watch', { jobId: 42 })).toEqual({
      ok: false,
      error: 'jobId must be a string',
    });
  });
});
