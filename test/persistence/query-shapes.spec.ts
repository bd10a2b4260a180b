import { getConnectionToken } from '@nestjs/mongoose';
import { Connection, Types } from 'mongoose';
import { ContentService } from '../../src/content/content.service';
import { DerivedIndexes } from '../../src/infra/derived-index/derived-indexes.service';
import { PostLedgerService } from '../../src/social/post-ledger.service';
import { ScheduledPostsService } from '../../src/social/scheduled-posts.service';
import { SocialAccountsService } from '../../src/social/social-accounts.service';
import { ApiClient } from '../support/api-client';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { uniqueName } from '../support/test-env';

/** Collections of users, social accounts, scheduled posts, the post ledger, audit and content. */
const WATCHED = [
  'users',
  'user_emails',
  'social_accounts',
  'social_post_ledger',
  'scheduled_posts',
  'audit_log',
  'contents',
  'migrations',
];
const WITH_FILTER = [
  'find',
  'findOne',
  'findOneAndUpdate',
  'findOneAndReplace',
  'findOneAndDelete',
  'updateOne',
  'updateMany',
  'replaceOne',
  'deleteOne',
  'deleteMany',
  'countDocuments',
  'distinct',
  'aggregate',
];

/**
 * FerretDB uses an index only for a filter of exactly {_id: value}: every other query scans the
 * collection. Here every query the hot paths send to these collections is recorded and checked.
 */
describe('hot paths query by _id only', () => {
  let app: TestApp;
  let api: ApiClient;
  const queries: { collection: string; method: string; filter: unknown }[] = [];

  beforeAll(async () => {
    app = await startTestApp(
      uniqueName('shapes'),
      {
        ADMIN_EMAIL: 'ops@click.test',
        ADMIN_PASSWORD: 'ops-password',
        CRON_SCHEDULED_POSTS: '0 0 1 1 *',
        CRON_CLEANUP: '0 0 1 1 *',
        CRON_DEADLINES: '0 0 1 1 *',
        JOB_RECONCILE_INTERVAL_MS: '3600000',
      },
      { listen: true },
    );
    api = new ApiClient(app.app);
    // The start-up index check may scan (a rebuild); it is not a hot path.
    const indexes = app.get(DerivedIndexes);
    await eventually(async () =>
      Object.values(await indexes.verify()).every((check) => check !== 'busy'),
    );
    app
      .get<Connection>(getConnectionToken())
      .set('debug', (collection: string, method: string, filter: unknown) => {
        if (WITH_FILTER.includes(method)) queries.push({ collection, method, filter });
      });
  });

  afterAll(async () => {
    app.get<Connection>(getConnectionToken()).set('debug', false);
    await dropTestData(app);
    await app.close();
  });

  it('sends only {_id: value} filters on sign-up, sign-in, accounts, posts, ledger, audit, content', async () => {
    const session = await api.register('Shape');
    await api.login(session.user.email, 'password123');
    await api.call('get', '/auth/me', session.token).expect(200);
    await api
      .call('post', '/auth/register')
      .send({
        email: session.user.email.toUpperCase(),
        password: 'password123',
        name: 'Again',
      })
      .expect(409);

    await api
      .call('post', '/social/accounts', session.token)
      .send({ platform: 'twitter', accessToken: 'tw-token-shape' })
      .expect(201);
    await api.call('get', '/social/accounts', session.token).expect(200);
    await app.get(SocialAccountsService).credentials(session.user.id, 'twitter');
    await api.call('delete', '/social/accounts/twitter', session.token).expect(204);

    const posts = app.get(ScheduledPostsService);
    await posts.create(
      'shape-post',
      { userId: session.user.id, platforms: ['twitter'], content: { text: 'x' } },
      new Date(Date.now() - 1000),
    );
    await posts.findDue(new Date(), 10);
    await posts.markQueued('shape-post', 'shape-post-post');
    await posts.markEnded('shape-post', 'published');
    await posts.remove('shape-post');

    const ledger = app.get(PostLedgerService);
    await ledger.claim('shape-job', 'twitter');
    await ledger.settle('shape-job', 'twitter', 'retryable', { error: 'HTTP 503' });
    await ledger.claim('shape-job', 'twitter');
    await ledger.claim('shape-job', 'twitter');
    await ledger.entriesFor('shape-job');

    const admin = await api.login('ops@click.test', 'ops-password');
    await api.call('post', '/jobs/queues/email-sending/pause', admin.token).expect(200);
    await api.call('post', '/jobs/queues/email-sending/resume', admin.token).expect(200);
    const audit = await api.call('get', '/jobs/audit?limit=1', admin.token).expect(200);
    await api.call('get', `/jobs/audit?limit=1&cursor=${audit.body.nextCursor}`, admin.token);

    const contents = app.get(ContentService);
    const contentId = await contents.create(session.user.id, { sourceText: 'hello' });
    await contents.findOwned(contentId, session.user.id);
    await expect(contents.findOwned(contentId, 'someone-else')).rejects.toThrow('not found');

    const watched = queries.filter((q) => WATCHED.includes(q.collection));
    const seen = new Set(watched.map((q) => q.collection));
    expect([...seen].sort()).toEqual([
      'audit_log',
      'contents',
      'scheduled_posts',
      'social_accounts',
      'social_post_ledger',
      'user_emails',
      'users',
    ]);
    const others = watched.filter(({ filter }) => !isIdOnly(filter));
    expect(others).toEqual([]);
  });

  it('finds a user\u2019s data for the export and the erase by _id only, in every collection', async () => {
    const session = await api.register('Leaving');
    const admin = await api.login('ops@click.test', 'ops-password');
    await api
      .call('post', '/social/accounts', session.token)
      .send({ platform: 'twitter', accessToken: 'tw-token-leaving' })
      .expect(201);
    const generated = await api
      .call('post', '/content/generate', session.token)
      .send({ text: 'Going away.', platforms: ['twitter'] })
      .expect(202);
    const later = new Date(Date.now() + 86_400_000).toISOString();
    const scheduled = await api
      .call('post', '/posts', session.token)
      .send({ platforms: ['twitter'], content: { text: 'later' }, scheduledAt: later })
      .expect(202);
    await api
      .call('post', `/jobs/cancel/scheduled-posts/${scheduled.body.jobId}`, admin.token)
      .expect(200);
    await eventually(async () => {
      const job = await api.call('get', `/jobs/user/${generated.body.jobId}`, session.token);
      return job.body.state === 'completed';
    });

    const from = queries.length;
    await api.call('get', '/auth/me/export', session.token).expect(200);
    await api
      .call('delete', '/auth/me', session.token)
      .send({ password: 'password123' })
      .expect(200);
    const asked = queries.slice(from);
    expect([...new Set(asked.map((q) => q.collection))]).toEqual(
      expect.arrayContaining([
        'users',
        'user_emails',
        'job_records',
        'job_intents',
        'contents',
        'scheduled_posts',
        'social_accounts',
        'mail_ledger',
        'audit_log',
      ]),
    );
    expect(asked.filter(({ filter }) => !isIdOnly(filter))).toEqual([]);
  });
});

function isIdOnly(filter: unknown): boolean {
  if (typeof filter !== 'object' || filter === null) return false;
  const keys = Object.keys(filter);
  const id = (filter as { _id?: unknown })._id;
  return (
    keys.length === 1 &&
    keys[0] === '_id' &&
    (typeof id === 'string' || id instanceof Types.ObjectId)
  );
}
