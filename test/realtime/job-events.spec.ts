import type { AddressInfo } from 'node:net';
import { io, Socket } from 'socket.io-client';
import type Redis from 'ioredis';
import { REDIS_CLIENT } from '../../src/infra/redis/redis.module';
import { JobEvent, JobEventsPublisher } from '../../src/queues/kernel/job-events';
import { ApiClient, Session } from '../support/api-client';
import { AppProcess, spawnApp } from '../support/app-process';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { masters } from '../../src/infra/redis/redis-client';
import { testEnv, uniqueName } from '../support/test-env';

const PLATFORMS = ['twitter', 'linkedin', 'facebook', 'instagram'];

/** A socket on /jobs that records every job event it receives, in order. */
class Watcher {
  readonly events: JobEvent[] = [];
  constructor(readonly socket: Socket) {
    socket.onAny((type: string, event: JobEvent) => {
      if (type.startsWith('job:')) this.events.push({ ...event, type: type as JobEvent['type'] });
    });
  }
  static async connect(url: string, token: string): Promise<Watcher> {
    const socket = io(`${url}/jobs`, { auth: { token }, transports: ['websocket'] });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    return new Watcher(socket);
  }
  of(jobId: string): string[] {
    return this.events
      .filter((e) => e.jobId === jobId)
      .map((e) => (e.type === 'job:progress' ? `progress:${JSON.stringify(e.progress)}` : e.type));
  }
}

/** Why the server refused a connection. */
function refusal(url: string, auth: Record<string, string>): Promise<Error & { data?: unknown }> {
  const socket = io(`${url}/jobs`, { auth, transports: ['websocket'], reconnection: false });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => reject(new Error('the server accepted the socket')));
    socket.once('connect_error', (error) => {
      socket.close();
      resolve(error);
    });
  });
}

const urlOf = (app: TestApp) =>
  `http://127.0.0.1:${(app.app.getHttpServer().address() as AddressInfo).port}`;

const EXPECTED = [
  'job:active',
  'progress:25',
  'progress:50',
  'progress:75',
  'progress:100',
  'job:completed',
];

describe('live job updates over socket.io (/jobs)', () => {
  describe('in one process', () => {
    let app: TestApp;
    let api: ApiClient;
    let url: string;
    let alice: Session;
    let bob: Session;
    let admin: Session;
    const watchers: Watcher[] = [];

    beforeAll(async () => {
      app = await startTestApp(
        uniqueName('rt'),
        { ADMIN_EMAIL: 'watch@click.test', ADMIN_PASSWORD: 'watch-password' },
        { listen: true },
      );
      api = new ApiClient(app.app);
      url = urlOf(app);
      alice = await api.register('Alice');
      bob = await api.register('Bob');
      admin = await api.login('watch@click.test', 'watch-password');
    });

    afterAll(async () => {
      for (const w of watchers) w.socket.close();
      await dropTestData(app);
      await app.close();
    });

    const watch = async (session: Session) => {
      const watcher = await Watcher.connect(url, session.token);
      watchers.push(watcher);
      return watcher;
    };
    const generate = async (session: Session) =>
      (
        await api
          .call('post', '/content/generate', session.token)
          .send({ text: 'Queues make background work reliable.', platforms: PLATFORMS })
          .expect(202)
      ).body.jobId as string;

    it('refuses a socket without a valid token', async () => {
      const none = await refusal(url, {});
      expect(none.message).toMatch(/Sign in first/);
      expect(none.data).toMatchObject({ statusCode: 401 });
      const forged = await refusal(url, { token: 'not-a-token' });
      expect(forged.message).toBe('The access token is invalid or has expired');
    });

    it('sends a user the progress of their own job in order, and nobody else’s', async () => {
      const a = await watch(alice);
      const b = await watch(bob);
      const jobA = await generate(alice);
      const jobB = await generate(bob);
      await eventually(() => a.of(jobA).includes('job:completed'), 15_000, 'A sees completed');
      await eventually(() => b.of(jobB).includes('job:completed'), 15_000, 'B sees completed');
      expect(a.of(jobA)).toEqual(EXPECTED);
      expect(b.of(jobB)).toEqual(EXPECTED);
      expect(a.events.filter((e) => e.ownerId !== alice.user.id)).toEqual([]);
      expect(b.events.filter((e) => e.ownerId !== bob.user.id)).toEqual([]);
      const completed = a.events.find((e) => e.type === 'job:completed')!;
      expect(completed).toMatchObject({ queue: 'content-generation', state: 'completed' });
    });

    it('lets an admin watch one queue or every job, each event once; users may not', async () => {
      const everything = await watch(admin);
      const emails = await watch(admin);
      const user = await watch(bob);
      const ack = (w: Watcher, body: object) =>
        w.socket.emitWithAck('subscribe', body) as Promise<Record<string, unknown>>;
      expect(await ack(everything, {})).toEqual({ ok: true, room: 'jobs:all' });
      // In the queue's room and the all-jobs room at once: still one copy of each event.
      expect(await ack(everything, { queue: 'content-generation' })).toMatchObject({ ok: true });
      expect(await ack(emails, { queue: 'email-sending' })).toEqual({
        ok: true,
        room: 'queue:email-sending',
      });
      expect(await ack(emails, { queue: 'nope' })).toEqual({
        ok: false,
        error: expect.stringMatching(/^queue must be one of video-processing, /),
      });
      expect(await ack(user, {})).toEqual({
        ok: false,
        error: 'Only admins can watch jobs other than their own',
      });

      const job = await generate(alice);
      await eventually(() => everything.of(job).includes('job:completed'), 15_000, 'admin sees');
      expect(everything.of(job)).toEqual(EXPECTED);
      expect(emails.of(job)).toEqual([]);
      expect(user.of(job)).toEqual([]);
    });
  });

  describe('when the event reader loses Redis, or an ending is announced twice', () => {
    let app: TestApp;
    let api: ApiClient;
    let watcher: Watcher | undefined;

    beforeAll(async () => {
      app = await startTestApp(uniqueName('rtgap'), {}, { listen: true });
      api = new ApiClient(app.app);
    });

    afterAll(async () => {
      watcher?.socket.close();
      await dropTestData(app);
      await app.close();
    });

    it('delivers events sent while the reader was reconnecting, and each ending once', async () => {
      const erin = await api.register('Erin');
      watcher = await Watcher.connect(urlOf(app), erin.token);
      const redis = app.get<Redis>(REDIS_CLIENT);
      // Cut the API's event reader off Redis (on a cluster: off every master, the stream's among
      // them); events sent before it is back must still arrive.
      let cut = 0;
      for (const node of await masters(redis)) {
        const clients = String(await node.client('LIST'));
        for (const [, id] of clients.matchAll(/id=(\d+) [^\n]*name=click-api:job-events/g)) {
          await node.client('KILL', 'ID', id);
          cut += 1;
        }
      }
      expect(cut).toBeGreaterThan(0);
      const publisher = app.get(JobEventsPublisher);
      const ending = {
        type: 'job:completed' as const,
        jobId: 'gap-1',
        queue: 'content-generation' as const,
        name: 'generate-content',
        ownerId: erin.user.id,
        state: 'completed' as const,
        attemptsMade: 1,
        finishedAt: new Date().toISOString(),
      };
      publisher.publish(ending);
      // The same ending again (a reconciler repairing a job whose worker died after announcing it).
      await new Promise((resolve) => setTimeout(resolve, 100));
      publisher.publish(ending);
      // A later ending of the same job (run again by an admin) is news.
      publisher.publish({ ...ending, finishedAt: new Date(Date.now() + 1000).toISOString() });
      await eventually(() => watcher!.of('gap-1').length >= 2, 15_000, 'events after the cut');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(watcher.of('gap-1')).toEqual(['job:completed', 'job:completed']);
      const endings = watcher.events.filter((e) => e.jobId === 'gap-1').map((e) => e.finishedAt);
      expect(new Set(endings).size).toBe(2);
    });
  });

  describe('when the token runs out', () => {
    let app: TestApp;

    beforeAll(async () => {
      // A token's exp is in whole seconds, so it lives 4 to 5 s: room for the sign-up and the
      // handshake on a loaded machine before it runs out.
      app = await startTestApp(uniqueName('rtexp'), { JWT_EXPIRES_IN: '5s' }, { listen: true });
    });

    afterAll(async () => {
      await dropTestData(app);
      await app.close();
    });

    it('ends the connection (sign-in is checked at the handshake only)', async () => {
      const dave = await new ApiClient(app.app).register('Dave');
      const watcher = await Watcher.connect(urlOf(app), dave.token);
      const reason = await new Promise<string>((resolve) =>
        watcher.socket.once('disconnect', resolve),
      );
      expect(reason).toBe('io server disconnect');
      watcher.socket.close();
    });
  });

  describe('with the worker in another process', () => {
    const name = uniqueName('rtx');
    let worker: AppProcess;
    let apiApp: TestApp;
    let watcher: Watcher | undefined;

    beforeAll(async () => {
      worker = await spawnApp(testEnv(name, { APP_ROLE: 'worker' }));
      apiApp = await startTestApp(name, { APP_ROLE: 'api' }, { listen: true });
    });

    afterAll(async () => {
      watcher?.socket.close();
      await worker.stop();
      await dropTestData(apiApp);
      await apiApp.close();
    });

    it('delivers each event of a job run by the worker process once, in order', async () => {
      const api = new ApiClient(apiApp.app);
      const carol = await api.register('Carol');
      watcher = await Watcher.connect(urlOf(apiApp), carol.token);
      const job = (
        await api
          .call('post', '/content/generate', carol.token)
          .send({ text: 'Workers live elsewhere.', platforms: PLATFORMS })
          .expect(202)
      ).body.jobId as string;
      await eventually(() => watcher!.of(job).includes('job:completed'), 20_000, 'completed');
      expect(watcher.of(job)).toEqual(EXPECTED);
    });
  });
});
