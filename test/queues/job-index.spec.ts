import { getQueueToken } from '@nestjs/bullmq';
import { getConnectionToken } from '@nestjs/mongoose';
import { Queue, Worker } from 'bullmq';
import type { Connection } from 'mongoose';
import { Types } from 'mongoose';
import { DerivedIndexes } from '../../src/infra/derived-index/derived-indexes.service';
import { JOB_NAMES, QUEUE_NAMES } from '../../src/queues';
import { JobReconciler } from '../../src/queues/kernel/job-reconciler.service';
import { ApiClient, Session } from '../support/api-client';
import { dropTestData, startTestApp, testBullConnection, TestApp } from '../support/test-app';
import { deleteKeysMatching } from '../../src/infra/redis/delete-prefix';
import { uniqueName } from '../support/test-env';

type JobItem = { id: string; queue: string; state: string };

/**
 * The job listings, the quota, the content timeline and the dashboard read Redis indexes derived
 * from the records and the live jobs. These tests write a database the way the previous version
 * did (records for every job, no index), and delete the index keys, and check that every answer
 * comes back whole, in the order the records give.
 */
describe('job history indexes', () => {
  const name = uniqueName('jobindex');
  let app: TestApp;
  let api: ApiClient;
  let alice: Session;
  let admin: Session;
  let db: Connection;
  const contentId = new Types.ObjectId();
  const queue = (q: string) => app.get<Queue>(getQueueToken(q));

  beforeAll(async () => {
    app = await startTestApp(
      name,
      {
        APP_ROLE: 'api',
        ADMIN_EMAIL: 'ops@click.test',
        ADMIN_PASSWORD: 'ops-password',
        USER_MAX_PENDING_JOBS: '4',
        JOB_RECONCILE_GRACE_MS: '0',
        JOB_RECONCILE_INTERVAL_MS: '3600000',
      },
      { listen: true },
    );
    api = new ApiClient(app.app);
    alice = await api.register('Alice');
    admin = await api.login('ops@click.test', 'ops-password');
    db = app.get<Connection>(getConnectionToken());
  });

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
  });

  const list = async (query: string, token = alice.token): Promise<JobItem[]> => {
    const items: JobItem[] = [];
    let cursor: string | undefined;
    do {
      const sep = query ? '&' : '';
      const res = await api.call(
        'get',
        `/jobs/user?limit=2${sep}${query}${cursor ? `&cursor=${cursor}` : ''}`,
        token,
      );
      expect(res.status).toBe(200);
      items.push(...(res.body.items as JobItem[]));
      cursor = res.body.nextCursor;
    } while (cursor);
    return items;
  };

  /** Records as the previous version wrote them: one per job, unfinished ones included. */
  function legacyRecord(i: number, fields: Record<string, unknown>) {
    const createdAt = new Date(Date.UTC(2026, 10, 1, 12, 0, i));
    return {
      _id: `legacy-${String(i).padStart(2, '0')}`,
      queue: QUEUE_NAMES.CONTENT_GENERATION,
      name: JOB_NAMES.GENERATE_CONTENT,
      ownerId: alice.user.id,
      state: 'completed',
      progress: 100,
      attemptsMade: 1,
      maxAttempts: 3,
      priority: 0,
      data: { text: `t${i}`, user: { _id: alice.user.id }, platforms: ['twitter'] },
      createdAt,
      updatedAt: createdAt,
      finishedAt: createdAt,
      purgeAfter: new Date(createdAt.getTime() + 100 * 86_400_000),
      checkedAt: createdAt,
      ...fields,
    };
  }

  it('serves a database written by the previous version: listings, filters, timeline, quota', async () => {
    const records = [
      legacyRecord(1, { contentId: contentId.toHexString() }),
      legacyRecord(2, {
        state: 'failed',
        failedReason: 'provider said no',
        contentId: contentId.toHexString(),
      }),
      legacyRecord(3, { queue: QUEUE_NAMES.EMAIL_SENDING, name: JOB_NAMES.SEND_EMAIL }),
      // Same second as the next one: the id breaks the tie, as the old index did.
      legacyRecord(4, { _id: 'legacy-04a', state: 'cancelled', failedReason: 'Cancelled: x' }),
      legacyRecord(4, { _id: 'legacy-04b' }),
      // Unfinished: two whose jobs are in Redis, one whose job Redis lost.
      legacyRecord(5, { state: 'waiting', finishedAt: undefined, purgeAfter: undefined }),
      legacyRecord(6, { state: 'delayed', finishedAt: undefined, purgeAfter: undefined }),
      legacyRecord(7, { state: 'waiting', finishedAt: undefined, purgeAfter: undefined }),
    ];
    await db.collection('job_records').insertMany(records as never[]);
    await db.collection('contents').insertOne({
      _id: contentId,
      ownerId: alice.user.id,
      status: 'processing',
      posts: {},
      published: {},
      media: {},
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    const content = queue(QUEUE_NAMES.CONTENT_GENERATION);
    await content.add(JOB_NAMES.GENERATE_CONTENT, records[5].data, {
      jobId: 'legacy-05',
      timestamp: records[5].createdAt.getTime(),
      priority: 3,
    });
    await content.add(JOB_NAMES.GENERATE_CONTENT, records[6].data, {
      jobId: 'legacy-06',
      timestamp: records[6].createdAt.getTime(),
      delay: 3_600_000,
      priority: 3,
    });
    // The previous version had no index: no keys, no epochs.
    await deleteKeysMatching(app.config.redis, [`${app.config.redisKeys.base}:idx:*`]);
    await db.collection('derived_index_epochs').deleteMany({});

    expect((await app.get(DerivedIndexes).verify()).jobs).toBe('rebuilt');

    // Newest first, createdAt then id, exactly as the records order them (the welcome email last).
    const expected = [...records]
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a._id < b._id ? 1 : -1))
      .map((r) => r._id);
    const all = await list('');
    expect(all.map((j) => j.id).filter((id) => id.startsWith('legacy'))).toEqual(expected);
    expect(all).toHaveLength(records.length + 1);
    expect(all.find((j) => j.id === 'legacy-06')?.state).toBe('delayed');

    expect((await list('queue=email-sending')).map((j) => j.id)).toContain('legacy-03');
    expect((await list('state=failed')).map((j) => j.id)).toEqual(['legacy-02']);
    expect((await list('state=cancelled')).map((j) => j.id)).toEqual(['legacy-04a']);
    expect((await list('state=delayed')).map((j) => j.id)).toEqual(['legacy-06']);

    const timeline = await api.call('get', `/content/${contentId.toHexString()}`, alice.token);
    expect(timeline.status).toBe(200);
    expect(JSON.stringify(timeline.body)).toContain('provider said no');

    // Unfinished: legacy-05, 06, 07 and the welcome email — the quota (4) is reached.
    const over = await api
      .call('post', '/content/generate', alice.token)
      .send({ text: 'one more', platforms: ['twitter'] });
    expect(over.status).toBe(429);

    // The record whose job Redis lost is queued again by the reconciler, under its id.
    const report = await app.get(JobReconciler).runOnce();
    expect(report?.requeued).toBeGreaterThanOrEqual(1);
    expect(await content.getJob('legacy-07')).toBeDefined();
    const detail = await api.call('get', '/jobs/user/legacy-07', alice.token);
    expect(detail.body).toMatchObject({ id: 'legacy-07', state: 'waiting' });

    // Someone else's job stays someone else's.
    const bob = await api.register('Bob');
    expect((await api.call('get', '/jobs/user/legacy-01', bob.token)).status).toBe(404);
    expect(await list('', bob.token)).toHaveLength(1);
  });

  it('brings deleted index keys back: the listing is complete again', async () => {
    const before = await list('');
    await deleteKeysMatching(app.config.redis, [`${app.config.redisKeys.base}:idx:*`]);
    expect(await list('')).toEqual([]);

    expect((await app.get(DerivedIndexes).verify()).jobs).toBe('rebuilt');
    expect((await list('')).map((j) => j.id)).toEqual(before.map((j) => j.id));
    expect((await app.get(DerivedIndexes).verify()).jobs).toBe('ok');
  });

  it('shows the oldest waiting job and the latest failures from the queues themselves', async () => {
    const email = queue(QUEUE_NAMES.EMAIL_SENDING);
    await email.add(
      JOB_NAMES.SEND_EMAIL,
      { to: 'x@example.com', template: 'welcome' },
      { jobId: 'will-fail', attempts: 1, priority: 1 },
    );
    const own = testBullConnection(app.config);
    const worker = new Worker(
      QUEUE_NAMES.EMAIL_SENDING,
      () => Promise.reject(new Error('smtp said 550 for job 42')),
      {
        connection: own.connection,
        prefix: app.config.redisKeys.bullPrefix(QUEUE_NAMES.EMAIL_SENDING),
        autorun: false,
      },
    );
    const failed = new Promise((resolve) => worker.on('failed', resolve));
    void worker.run();
    await failed;
    await worker.close();
    own.release();

    const asked = Date.now();
    const res = await api.call('get', '/jobs/dashboard', admin.token);
    expect(res.status).toBe(200);
    const body = res.body as {
      queues: { name: string; oldestWaitingAgeMs: number | null }[];
      recentFailures: { jobId: string; failedReason: string }[];
    };
    expect(body.recentFailures[0]).toMatchObject({
      jobId: 'will-fail',
      failedReason: 'smtp said 550 for job 42',
    });
    // legacy-05 waits since its (old) creation time; legacy-07 was queued again with its own.
    const contentQueue = body.queues.find((q) => q.name === QUEUE_NAMES.CONTENT_GENERATION)!;
    const queuedAt = Date.UTC(2026, 10, 1, 12, 0, 5);
    expect(contentQueue.oldestWaitingAgeMs).toBeGreaterThanOrEqual(asked - queuedAt);
    expect(contentQueue.oldestWaitingAgeMs).toBeLessThanOrEqual(Date.now() - queuedAt);
  });
});
