import type Redis from 'ioredis';
import { DerivedIndexes } from '../../src/infra/derived-index/derived-indexes.service';
import { REDIS_CLIENT } from '../../src/infra/redis/redis.module';
import { ApiClient } from '../support/api-client';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { uniqueName } from '../support/test-env';

/** GET /jobs/audit pages through a Redis sorted set derived from audit_log. */
describe('audit log index', () => {
  let app: TestApp;
  let api: ApiClient;
  let admin: string;
  let redis: Redis;

  beforeAll(async () => {
    app = await startTestApp(
      uniqueName('auditidx'),
      {
        ADMIN_EMAIL: 'ops@click.test',
        ADMIN_PASSWORD: 'ops-password',
        JOB_RECONCILE_INTERVAL_MS: '3600000',
      },
      { listen: true },
    );
    api = new ApiClient(app.app);
    admin = (await api.login('ops@click.test', 'ops-password')).token;
    redis = app.get(REDIS_CLIENT);
  });

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
  });

  /** Every page of the audit log, `limit` at a time, following nextCursor. */
  async function allPages(limit: number) {
    const pages: {
      items: { id: string; action: string; target: object }[];
      nextCursor?: string;
    }[] = [];
    let cursor: string | undefined;
    do {
      const query = `limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await api.call('get', `/jobs/audit?${query}`, admin).expect(200);
      pages.push(res.body);
      cursor = res.body.nextCursor;
    } while (cursor);
    return pages;
  }

  it('lists entries newest first, across pages, and again after Redis lost the index', async () => {
    // Seven admin actions, some in the same second (ids then order by their counter).
    const actions: string[] = [];
    for (let i = 0; i < 7; i++) {
      const action = i % 2 === 0 ? 'pause' : 'resume';
      await api.call('post', `/jobs/queues/email-sending/${action}`, admin).expect(200);
      actions.push(`queue.${action}`);
    }
    await api.call('post', '/jobs/queues/no-such-queue/pause', admin).expect(404);

    const pages = await allPages(3);
    expect(pages.map((p) => p.items.length)).toEqual([3, 3, 2]);
    expect(pages[2].nextCursor).toBeUndefined();
    const items = pages.flatMap((p) => p.items);
    expect(items.map((i) => i.action)).toEqual(['queue.pause', ...actions.reverse()]);
    expect(items[0]).toMatchObject({
      target: { queue: 'no-such-queue' },
      outcome: expect.stringMatching(/^refused: /),
      actorEmail: 'ops@click.test',
    });
    const ids = items.map((i) => i.id);
    expect([...ids].sort().reverse()).toEqual(ids);
    expect(pages[0].nextCursor).toBe(ids[2]);

    const indexes = app.get(DerivedIndexes);
    await eventually(async () => (await indexes.verify()).audit === 'ok');
    for (const key of await redis.keys(`${app.config.redisPrefix}:idx:audit:*`))
      await redis.del(key);
    expect((await api.call('get', '/jobs/audit', admin).expect(200)).body.items).toEqual([]);

    expect((await indexes.verify()).audit).toBe('rebuilt');
    expect(await allPages(3)).toEqual(pages);
    expect((await api.call('get', '/jobs/audit?limit=50', admin).expect(200)).body).toEqual({
      items,
    });
  });

  it('answers an empty page for a cursor older than every entry', async () => {
    const res = await api.call('get', `/jobs/audit?cursor=${'0'.repeat(24)}`, admin).expect(200);
    expect(res.body).toEqual({ items: [] });
  });
});
