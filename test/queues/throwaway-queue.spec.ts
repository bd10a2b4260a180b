import { JobPayloadError, QueuesService } from '../../src/queues';
import { ApiClient } from '../support/api-client';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { uniqueName } from '../support/test-env';
import { ThrowawayProcessor } from '../fixtures/throwaway-queue/throwaway.processor';
import { ThrowawayQueueModule } from '../fixtures/throwaway-queue/throwaway.module';

/**
 * Adding a queue is one folder plus one line where the queues are assembled: a queue defined in
 * test/fixtures/throwaway-queue (touching no file of src/) is registered, processed and listed
 * like the six the product ships, when its module is handed to the app.
 */
describe('a seventh queue from its own folder', () => {
  let app: TestApp;
  let api: ApiClient;
  let queues: QueuesService;

  beforeAll(async () => {
    app = await startTestApp(
      uniqueName('throwaway'),
      {
        ADMIN_EMAIL: 'ops@throwaway.test',
        ADMIN_PASSWORD: 'ops-password-1',
        // The deployment settings work for it like for any queue.
        QUEUE_THROWAWAY_CONCURRENCY: '3',
      },
      { listen: true, extraModules: [ThrowawayQueueModule] },
    );
    api = new ApiClient(app.app);
    queues = app.get(QueuesService);
  });

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
  });

  it('runs its jobs, lists them for their owner and the admin, and calls its end hook', async () => {
    const alice = await api.register('Alice');
    const job = await queues.addJob('throwaway', {
      name: 'ping',
      data: { message: 'hello', userId: alice.user.id },
    });
    const done = await eventually(async () => {
      const status = await queues.getJobStatus('throwaway', job.jobId);
      return status.state === 'completed' && status;
    }, 15_000);
    expect(done.returnValue).toEqual({ pong: 'hello' });
    expect(app.get(ThrowawayProcessor).ends).toContainEqual({
      message: 'hello',
      state: 'completed',
    });

    const mine = await api.call('get', '/jobs/user?queue=throwaway', alice.token);
    expect(mine.status).toBe(200);
    expect(mine.body.items).toEqual([
      expect.objectContaining({ id: job.jobId, queue: 'throwaway', state: 'completed' }),
    ]);
    const one = await api.call('get', `/jobs/user/${job.jobId}`, alice.token);
    expect(one.body).toEqual(expect.objectContaining({ queue: 'throwaway', name: 'ping' }));

    const admin = await api.login('ops@throwaway.test', 'ops-password-1');
    const stats = await api.call('get', '/jobs/dashboard/stats', admin.token);
    expect(stats.body.throwaway).toEqual(expect.objectContaining({ completed: 1 }));
    const dashboard = await api.call('get', '/jobs/dashboard', admin.token);
    expect(
      (dashboard.body.queues as { name: string }[]).find((q) => q.name === 'throwaway'),
    ).toEqual(expect.objectContaining({ concurrency: 3, workers: 1 }));
    const url = (await app.app.getUrl()).replace('[::1]', '127.0.0.1');
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(
      /^click_jobs_total\{queue="throwaway",name="ping",outcome="completed"\} 1$/m,
    );
  });

  it('validates its payloads on add and refuses job names it does not have', async () => {
    await expect(
      queues.addJob('throwaway', { name: 'ping', data: { message: 42 } }),
    ).rejects.toThrow(JobPayloadError);
    await expect(
      queues.addJob('throwaway', { name: 'pong', data: { message: 'x' } }),
    ).rejects.toThrow('name must be one of ping');
  });

  it('is cancelled like any queue: a waiting job ends cancelled and its end hook hears of it', async () => {
    const job = await queues.addJob(
      'throwaway',
      { name: 'ping', data: { message: 'later' } },
      { delay: 60_000 },
    );
    expect(await queues.cancelJob('throwaway', job.jobId)).toEqual({ state: 'cancelled' });
    await eventually(() =>
      app
        .get(ThrowawayProcessor)
        .ends.some((e) => e.message === 'later' && e.state === 'cancelled'),
    );
  });
});

describe('a QUEUE_<NAME>_* setting that names no queue', () => {
  it('stops the app at start-up, naming the setting and the queues', async () => {
    await expect(
      startTestApp(uniqueName('strayqueue'), { QUEUE_THROWAWY_CONCURRENCY: '3' }),
    ).rejects.toThrow(/^QUEUE_THROWAWY_\* names no queue \(queues: video-processing, /);
  });
});
