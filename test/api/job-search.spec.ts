import type Redis from 'ioredis';
import { DerivedIndexes } from '../../src/infra/derived-index/derived-indexes.service';
import { REDIS_CLIENT } from '../../src/infra/redis/redis.module';
import { QueuesService } from '../../src/queues';
import { JobIndexRebuild } from '../../src/queues/records/job-index-rebuild';
import { ApiClient, Session } from '../support/api-client';
import { dropTestData, startTestApp, TestApp } from '../support/test-app';
import { uniqueName } from '../support/test-env';

interface Page {
  items: { id: string; queue: string; name: string; state: string }[];
  nextCursor?: string;
  scanned: number;
  complete: boolean;
}

/** Admin search across queues: each filter returns exactly the matching jobs, newest first. */
describe('GET /api/jobs/search', () => {
  let app: TestApp;
  let api: ApiClient;
  let admin: string;
  let alice: Session;
  let bob: Session;
  const ids: Record<string, string> = {};
  let contentId: string;
  let midpoint: string;

  beforeAll(async () => {
    // No workers: the jobs wait, so each keeps the state the test gives it.
    app = await startTestApp(
      uniqueName('search'),
      { APP_ROLE: 'api', ADMIN_EMAIL: 'ops@search.test', ADMIN_PASSWORD: 'ops-password-1' },
      { listen: true },
    );
    api = new ApiClient(app.app);
    admin = (await api.login('ops@search.test', 'ops-password-1')).token;
    alice = await api.register('Alice', 'alice@search.test');
    bob = await api.register('Bob', 'bob@search.test');
    const queues = app.get(QueuesService);
    const pause = () => new Promise((r) => setTimeout(r, 5));
    ids.report = (
      await queues.addEmailJob({
        to: 'board@example.com',
        subject: 'Quarterly report',
        template: 'welcome',
        userId: alice.user.id,
      })
    ).jobId;
    await pause();
    const generated = await queues.addContentGenerationJob({
      text: 'Launch notes for the spring release',
      userId: alice.user.id,
      platforms: ['twitter'],
    });
    ids.generate = generated.jobId;
    contentId = (await queues.getJobStatus('content-generation', generated.jobId)).contentId!;
    await pause();
    midpoint = new Date().toISOString();
    await pause();
    ids.post = (
      await queues.addSocialPostJob({
        userId: bob.user.id,
        platforms: ['twitter'],
        content: { text: 'Hello from Bob' },
      })
    ).jobId;
    await pause();
    ids.cancelled = (
      await queues.addEmailJob({ to: 'bob@search.test', template: 'welcome', userId: bob.user.id })
    ).jobId;
    await queues.cancelJob('email-sending', ids.cancelled);
  });

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
  });

  const search = async (query: string, token = admin): Promise<Page> => {
    const res = await api.call('get', `/jobs/search?${query}`, token);
    expect([query, res.status]).toEqual([query, 200]);
    return res.body as Page;
  };
  const found = async (query: string) => (await search(query)).items.map((j) => j.id);
  // Registering sends each user a welcome email: those jobs are in the results too.
  const mine = (page: string[]) => page.filter((id) => Object.values(ids).includes(id));

  it('finds by each filter exactly the matching jobs, newest first', async () => {
    expect(mine(await found('owner=alice@search.test'))).toEqual([ids.generate, ids.report]);
    expect(mine(await found(`owner=${bob.user.id}`))).toEqual([ids.cancelled, ids.post]);
    expect(await found(`contentId=${contentId}`)).toEqual([ids.generate]);
    expect(mine(await found('queue=email-sending'))).toEqual([ids.cancelled, ids.report]);
    expect(await found('state=cancelled')).toEqual([ids.cancelled]);
    expect(await found('name=post-to-social')).toEqual([ids.post]);
    expect(mine(await found(`from=${midpoint}`))).toEqual([ids.cancelled, ids.post]);
    expect(mine(await found(`to=${midpoint}`))).toEqual([ids.generate, ids.report]);
    expect(await found('q=quarterly%20REPORT')).toEqual([ids.report]);
    expect(await found('q=spring%20release')).toEqual([ids.generate]);
    expect(await found('q=hello&owner=bob@search.test&queue=social-posting')).toEqual([ids.post]);
    expect(await found('owner=nobody@search.test')).toEqual([]);
    const page = await search('state=cancelled');
    expect(page).toMatchObject({ complete: true });
    expect(page.scanned).toBeGreaterThanOrEqual(6);
  });

  it('pages with limit and cursor, each job once', async () => {
    const all = await found('limit=100');
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await search(`limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((j) => j.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all);
    expect(all.length).toBe(6);
  });

  it('fills the new listings once for an index written by the previous version (no layout mark)', async () => {
    const all = await found('limit=100');
    const redis = app.get<Redis>(REDIS_CLIENT);
    const base = `${app.config.redisKeys.base}:idx:jobs`;
    // What the previous version left: per-user listings only.
    await redis.del(`${base}:all`, `${base}:q:email-sending`, `${base}:layout`);
    expect(await found('limit=100')).toEqual([]);
    await app.get(JobIndexRebuild).checkLayout();
    expect((await app.get(DerivedIndexes).verify()).jobs).toBe('rebuilt');
    expect(await found('limit=100')).toEqual(all);
    expect(mine(await found('queue=email-sending'))).toEqual([ids.cancelled, ids.report]);
  });

  it('refuses bad filters with 400 naming them, and non-admins with 403', async () => {
    const bad = async (query: string) => {
      const res = await api.call('get', `/jobs/search?${query}`, admin);
      expect([query, res.status]).toEqual([query, 400]);
      return (res.body as { message: string[] }).message;
    };
    expect(await bad('state=bogus')).toEqual([
      'state must be one of waiting, delayed, active, completed, failed, cancelled, expired',
    ]);
    expect((await bad('queue=nope'))[0]).toMatch(/^queue must be one of video-processing, /);
    expect(await bad('from=yesterday')).toEqual(['from must be an ISO 8601 date-time']);
    expect(await bad(`from=${new Date().toISOString()}&to=2020-01-01T00:00:00Z`)).toEqual([
      'from must not be after to',
    ]);
    expect(await bad('cursor=nonsense')).toEqual(['cursor is not a cursor this API gave out']);
    expect(await bad('owner[$ne]=x')).toEqual(['property owner[$ne] should not exist']);
    expect((await api.call('get', '/jobs/search', alice.token)).status).toBe(403);
    expect((await api.call('get', '/jobs/search')).status).toBe(401);
  });
});
