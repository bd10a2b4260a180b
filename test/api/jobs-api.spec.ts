import { HttpFake } from '../support/fakes/http-fake';
import { ApiClient, Session } from '../support/api-client';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { uniqueName } from '../support/test-env';

describe('job endpoints', () => {
  const name = uniqueName('jobsapi');
  const env = {
    ADMIN_EMAIL: 'ops@click.test',
    ADMIN_PASSWORD: 'ops-password',
    QUEUE_ALERT_BACKLOG: '3',
  };
  let app: TestApp;
  let api: ApiClient;
  let alice: Session;
  let admin: Session;
  const ids: string[] = [];

  beforeAll(async () => {
    // No workers: submitted jobs stay waiting, so positions and listings are stable.
    app = await startTestApp(name, { ...env, APP_ROLE: 'api' }, { listen: true });
    api = new ApiClient(app.app);
    alice = await api.register('Alice');
    admin = await api.login('ops@click.test', 'ops-password');
    for (const text of ['one.', 'two.', 'three.']) {
      ids.push(
        (
          await api
            .call('post', '/content/generate', alice.token)
            .send({ text, platforms: ['twitter'] })
        ).body.jobId,
      );
    }
    for (const text of ['four', 'five']) {
      ids.push(
        (
          await api
            .call('post', '/posts', alice.token)
            .send({ platforms: ['twitter'], content: { text } })
        ).body.jobId,
      );
    }
  });

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
  });

  describe('GET /jobs/user', () => {
    it('lists the caller\u2019s jobs newest first, page by page with a cursor', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const res = await api.call(
          'get',
          `/jobs/user?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
          alice.token,
        );
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items.map((j: { id: string }) => j.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      // The welcome email came first of all.
      expect(seen.slice(0, 5)).toEqual([...ids].reverse());
      expect(seen).toHaveLength(6);
    });

    it('filters by queue and by state', async () => {
      const posts = await api.call('get', '/jobs/user?queue=social-posting', alice.token);
      expect(posts.body.items.map((j: { id: string }) => j.id)).toEqual([ids[4], ids[3]]);
      const waiting = await api.call(
        'get',
        '/jobs/user?state=waiting&queue=content-generation',
        alice.token,
      );
      expect(waiting.body.items).toHaveLength(3);
      const done = await api.call('get', '/jobs/user?state=completed', alice.token);
      expect(done.body.items).toEqual([]);
    });

    it.each([
      [
        'state=bogus',
        'state must be one of waiting, delayed, active, completed, failed, cancelled, expired',
      ],
      [
        'queue=nope',
        'queue must be one of video-processing, content-generation, email-sending, transcript-generation, social-posting, scheduled-posts',
      ],
      ['limit=1000', 'limit must not be greater than 100'],
      ['limit=abc', 'limit must be an integer number'],
      ['cursor=not%20a%20cursor', 'cursor is not a cursor this API gave out'],
      ['state[$ne]=completed', 'property state[$ne] should not exist'],
      ['unknown=1', 'property unknown should not exist'],
    ])('refuses ?%s with a 400 naming it', async (query, message) => {
      const res = await api.call('get', `/jobs/user?${query}`, alice.token);
      expect(res.status).toBe(400);
      expect(res.body.message).toContain(message);
    });
  });

  describe('GET /jobs/user/:jobId', () => {
    it('shows an own job with its live state and, while waiting, its place in line', async () => {
      const positions = [];
      for (const id of ids.slice(0, 3)) {
        const res = await api.call('get', `/jobs/user/${id}`, alice.token);
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({
          id,
          queue: 'content-generation',
          state: 'waiting',
          priority: 0,
          attemptsMade: 0,
          maxAttempts: 3,
        });
        positions.push(res.body.position);
      }
      expect(positions).toEqual([1, 2, 3]);
    });

    it('is 404 for an unknown id, and for another user\u2019s job', async () => {
      const bob = await api.register('Bob');
      for (const [token, id] of [
        [alice.token, 'ffffffffffffffffffffffff'],
        [bob.token, ids[0]],
      ]) {
        const res = await api.call('get', `/jobs/user/${id}`, token);
        expect(res.status).toBe(404);
        expect(res.body).toEqual({
          statusCode: 404,
          message: `Job ${id} not found`,
          error: 'Not Found',
        });
      }
    });
  });

  describe('POST /jobs/user/:jobId/cancel', () => {
    it('cancels an own waiting job (it leaves the line), and 409 once it is finished', async () => {
      const res = await api.call('post', `/jobs/user/${ids[0]}/cancel`, alice.token);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ jobId: ids[0], state: 'cancelled' });
      expect((await api.call('get', `/jobs/user/${ids[1]}`, alice.token)).body.position).toBe(1);
      const again = await api.call('post', `/jobs/user/${ids[0]}/cancel`, alice.token);
      expect(again.status).toBe(409);
      expect(again.body.message).toBe(`Job ${ids[0]} is cancelled; it cannot be cancelled`);
    });
  });

  describe('admin', () => {
    it('shows the dashboard: per-queue numbers, workers, failures and alerts past the thresholds', async () => {
      const res = await api.call('get', '/jobs/dashboard', admin.token);
      expect(res.status).toBe(200);
      expect(res.body.queues).toHaveLength(6);
      const video = res.body.queues.find((q: { name: string }) => q.name === 'video-processing');
      expect(video).toMatchObject({
        concurrency: 2,
        rateLimit: { max: 5, durationMs: 60_000 },
        paused: false,
        workers: 0,
      });
      const content = res.body.queues.find(
        (q: { name: string }) => q.name === 'content-generation',
      );
      expect(content.counts.waiting).toBeGreaterThanOrEqual(2);
      expect(content.oldestWaitingAgeMs).toBeGreaterThanOrEqual(0);
      expect(res.body.recentFailures).toEqual(expect.any(Array));
      expect(res.body.alerts).toEqual(expect.any(Array));
    });

    it('raises a backlog alert once a queue holds QUEUE_ALERT_BACKLOG waiting jobs', async () => {
      await api
        .call('post', '/content/generate', alice.token)
        .send({ text: 'more.', platforms: ['twitter'] })
        .expect(202);
      await api
        .call('post', '/content/generate', alice.token)
        .send({ text: 'more.', platforms: ['twitter'] })
        .expect(202);
      const res = await api.call('get', '/jobs/dashboard', admin.token);
      expect(res.body.alerts).toContainEqual({
        queue: 'content-generation',
        kind: 'backlog',
        message: expect.stringMatching(/^\d+ jobs waiting \(alert at 3\)$/),
      });
    });

    it('lists a queue\u2019s jobs by state, and answers status and stats per queue', async () => {
      const list = await api.call(
        'get',
        '/jobs/dashboard/jobs/social-posting?state=waiting&limit=10',
        admin.token,
      );
      expect(list.status).toBe(200);
      expect(list.body.items.map((j: { id: string }) => j.id).sort()).toEqual(
        [ids[3], ids[4]].sort(),
      );
      const status = await api.call('get', `/jobs/status/social-posting/${ids[3]}`, admin.token);
      expect(status.body).toMatchObject({
        id: ids[3],
        state: 'waiting',
        ownerId: alice.user.id,
        data: { content: { text: 'four' } },
      });
      const stats = await api.call('get', '/jobs/stats/social-posting', admin.token);
      expect(stats.body).toEqual({
        waiting: 2,
        active: 0,
        completed: 0,
        failed: 0,
        delayed: 0,
        paused: false,
      });
    });

    it('answers 404 listing the valid queues for an unknown queue, and 404 for an unknown job', async () => {
      const res = await api.call('get', '/jobs/stats/video-procesing', admin.token);
      expect(res.status).toBe(404);
      expect(res.body.message).toBe(
        'Unknown queue "video-procesing"; valid queues: video-processing, content-generation, email-sending, transcript-generation, social-posting, scheduled-posts',
      );
      expect((await api.call('post', '/jobs/queues/nope/pause', admin.token)).status).toBe(404);
      expect(
        (await api.call('get', '/jobs/status/social-posting/ffffffffffffffffffffffff', admin.token))
          .status,
      ).toBe(404);
      expect(
        (await api.call('get', '/jobs/dashboard/jobs/social-posting?state=cancelled', admin.token))
          .status,
      ).toBe(400);
    });

    it('pauses and resumes a queue, refuses to retry a job that did not fail, and logs every action', async () => {
      await api
        .call('post', '/jobs/queues/social-posting/pause', admin.token)
        .expect(200, { queue: 'social-posting', paused: true });
      expect((await api.call('get', '/jobs/stats/social-posting', admin.token)).body.paused).toBe(
        true,
      );
      await api
        .call('post', '/jobs/queues/social-posting/resume', admin.token)
        .expect(200, { queue: 'social-posting', paused: false });
      const retry = await api.call('post', `/jobs/retry/social-posting/${ids[3]}`, admin.token);
      expect(retry.status).toBe(409);
      expect(retry.body.message).toBe(`Job ${ids[3]} is waiting; it cannot be retried`);
      await api
        .call('post', `/jobs/cancel/social-posting/${ids[4]}`, admin.token)
        .expect(200, { jobId: ids[4], state: 'cancelled' });

      const audit = await api.call('get', '/jobs/audit?limit=4', admin.token);
      expect(
        audit.body.items.map((e: { action: string; outcome: string }) => [e.action, e.outcome]),
      ).toEqual([
        ['job.cancel', 'ok'],
        ['job.retry', `refused: Job ${ids[3]} is waiting; it cannot be retried`],
        ['queue.resume', 'ok'],
        ['queue.pause', 'ok'],
      ]);
      expect(audit.body.items[0]).toMatchObject({
        actorEmail: 'ops@click.test',
        actorId: admin.user.id,
        target: { queue: 'social-posting', jobId: ids[4] },
      });
      // Refused actions are logged too: the earlier pause of an unknown queue is on the next page.
      const next = await api.call(
        'get',
        `/jobs/audit?limit=4&cursor=${audit.body.nextCursor}`,
        admin.token,
      );
      expect(next.body.items[0]).toMatchObject({
        action: 'queue.pause',
        target: { queue: 'nope' },
        outcome: expect.stringMatching(/^refused: Unknown queue "nope"/),
      });
    });

    it('retries every failed job of a queue, leaving cancelled ones cancelled', async () => {
      const llm = await HttpFake.start();
      llm.on('POST', '/v1/chat/completions', () => ({
        status: 400,
        body: { error: { message: 'bad model' } },
      }));
      const worker = await startTestApp(name, {
        ...env,
        APP_ROLE: 'worker',
        LLM_BASE_URL: `${llm.url}/v1`,
      });
      try {
        const status = (id: string) =>
          api.call('get', `/jobs/user/${id}`, alice.token).then((r) => r.body.state as string);
        await eventually(
          async () => (await status(ids[1])) === 'failed' && (await status(ids[2])) === 'failed',
          20_000,
          'content jobs to fail',
        );
        await worker.close();
        const res = await api.call(
          'post',
          '/jobs/queues/content-generation/retry-failed',
          admin.token,
        );
        expect(res.status).toBe(200);
        expect(res.body.retried).toBeGreaterThanOrEqual(2);
        expect(await status(ids[1])).toBe('waiting');
        expect(await status(ids[0])).toBe('cancelled');
      } finally {
        await worker.close();
        await llm.stop();
      }
    });
  });
});
