import type Redis from 'ioredis';
import { DerivedIndexes } from '../../src/infra/derived-index/derived-indexes.service';
import { REDIS_CLIENT } from '../../src/infra/redis/redis.module';
import { QUEUE_NAMES, QueuesService } from '../../src/queues';
import { QueueRegistry } from '../../src/queues/kernel/queue-registry';
import { ScheduledPostsService } from '../../src/social/scheduled-posts.service';
import { ApiClient } from '../support/api-client';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { uniqueName } from '../support/test-env';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The sweep's due posts come from a Redis sorted set derived from scheduled_posts. */
describe('scheduled posts due index', () => {
  let app: TestApp;
  let api: ApiClient;
  let admin: string;
  let posts: ScheduledPostsService;
  let redis: Redis;
  let dueKey: string;
  const fields = (text: string) => ({
    userId: 'alice',
    platforms: ['twitter' as const],
    content: { text },
  });

  beforeAll(async () => {
    app = await startTestApp(
      uniqueName('duepost'),
      {
        ADMIN_EMAIL: 'ops@click.test',
        ADMIN_PASSWORD: 'ops-password',
        // The crons and the periodic index check stay out of the way: the tests run them.
        CRON_SCHEDULED_POSTS: '0 0 1 1 *',
        CRON_CLEANUP: '0 0 1 1 *',
        CRON_DEADLINES: '0 0 1 1 *',
        JOB_RECONCILE_INTERVAL_MS: '3600000',
      },
      { listen: true },
    );
    api = new ApiClient(app.app);
    admin = (await api.login('ops@click.test', 'ops-password')).token;
    posts = app.get(ScheduledPostsService);
    redis = app.get(REDIS_CLIENT);
    dueKey = `${app.config.redisPrefix}:idx:scheduled-posts:due`;
  });

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
  });

  const ids = async (limit = 100) => (await posts.findDue(new Date(), limit)).map((p) => p._id);

  it('finds due posts oldest first, and forgets them once they leave `scheduled`', async () => {
    const now = Date.now();
    await posts.create('p-late', fields('late'), new Date(now - 2_000));
    await posts.create('p-early', fields('early'), new Date(now - 3_000));
    await posts.create('p-future', fields('future'), new Date(now + 60_000));

    expect(await ids()).toEqual(['p-early', 'p-late']);
    expect(await ids(1)).toEqual(['p-early']);
    const [due] = await posts.findDue(new Date(), 1);
    expect(due).toMatchObject({ ownerId: 'alice', state: 'scheduled', content: { text: 'early' } });

    await posts.markQueued('p-early', 'p-early-post');
    expect(await ids()).toEqual(['p-late']);
    expect(await redis.zscore(dueKey, 'p-early')).toBeNull();

    await posts.markEnded('p-late', 'cancelled', 'changed my mind');
    await posts.markEnded('p-late', 'published');
    expect(await posts.findById('p-late')).toMatchObject({
      state: 'cancelled',
      failureReason: 'changed my mind',
    });
    expect(await ids()).toEqual([]);

    await posts.remove('p-future');
    expect(await posts.findById('p-future')).toBeNull();
    expect(await redis.zcard(dueKey)).toBe(0);
  });

  it('drops members whose post is gone or moved on without the index hearing of it', async () => {
    await redis.zadd(dueKey, Date.now() - 3_600_000, 'ghost');
    await posts.create('p-moved', fields('moved'), new Date(Date.now() - 1_000));
    // Ended behind the index's back (as by a process that crashed before its ZREM).
    await posts.markEnded('p-moved', 'failed', 'gone wrong');
    await redis.zadd(dueKey, Date.now() - 1_000, 'p-moved');
    expect(await ids()).toEqual([]);
    expect(await redis.zcard(dueKey)).toBe(0);
  });

  it('comes back after Redis loses it: the check rebuilds it and the sweep finds the due posts', async () => {
    const queues = app.get(QueuesService);
    // Paused before they are queued (however long queueing takes), their jobs stay in Redis past
    // their time (live, so the sweep leaves them be).
    await (await app.get(QueueRegistry).use(QUEUE_NAMES.SCHEDULED_POSTS)).pause();
    const at = new Date(Date.now() + 1_500);
    const jobs = [
      await queues.addScheduledPostJob(fields('one'), at),
      await queues.addScheduledPostJob(fields('two'), at),
    ];
    await sleep(at.getTime() - Date.now() + 100);
    const indexes = app.get(DerivedIndexes);
    await eventually(async () => (await indexes.verify())['scheduled-posts'] === 'ok');

    for (const key of await redis.keys(`${app.config.redisPrefix}:idx:scheduled-posts:*`))
      await redis.del(key);
    const blind = await api.call('post', '/jobs/maintenance/scheduled-posts', admin).expect(200);
    expect(blind.body.report).toMatchObject({ due: 0 });

    expect((await indexes.verify())['scheduled-posts']).toBe('rebuilt');
    expect(await ids()).toEqual(jobs.map((j) => j.jobId).sort());
    const sweep = await api.call('post', '/jobs/maintenance/scheduled-posts', admin).expect(200);
    expect(sweep.body.report).toMatchObject({ due: 2, live: 2, queued: 0, settled: 0 });
  });
});
