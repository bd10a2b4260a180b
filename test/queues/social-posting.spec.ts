import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { ContentService } from '../../src/content/content.service';
import { JobPayloadError, QUEUE_NAMES, QueueOperations, QueuesService } from '../../src/queues';
import { PostLedgerService } from '../../src/social/post-ledger.service';
import { ScheduledPostsService } from '../../src/social/scheduled-posts.service';
import { SocialAccountsService } from '../../src/social/social-accounts.service';
import { HttpFake, RecordedRequest, Reply } from '../support/fakes/http-fake';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { uniqueName } from '../support/test-env';

const tweetCreated = (id: string): Reply => ({ status: 201, body: { data: { id, text: 'ok' } } });
const linkedinCreated = (id: string): Reply => ({ status: 201, headers: { 'x-restli-id': id } });

describe('social-posting and scheduled-posts', () => {
  let platforms: HttpFake;
  let app: TestApp;
  let queues: QueuesService;
  let tweets: RecordedRequest[];
  let linkedinPosts: RecordedRequest[];

  beforeAll(async () => {
    platforms = await HttpFake.start();
    app = await startTestApp(uniqueName('social'), {
      TWITTER_API_BASE_URL: platforms.url,
      LINKEDIN_API_BASE_URL: platforms.url,
      JOB_BACKOFF_DELAY_MS: '100',
    });
    queues = app.get(QueuesService);
    const accounts = app.get(SocialAccountsService);
    for (const user of ['alice', 'bob']) {
      await accounts.link(user, 'twitter', `tw-token-${user}`);
      await accounts.link(user, 'linkedin', `li-token-${user}`, {
        externalId: `urn:li:person:${user}`,
      });
    }
  });

  beforeEach(() => {
    platforms.requests.length = 0;
    tweets = [];
    linkedinPosts = [];
  });

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
    await platforms.stop();
  });

  const onTwitter = (reply: (r: RecordedRequest) => Reply) =>
    platforms.on('POST', '/2/tweets', (r) => {
      tweets.push(r);
      return reply(r);
    });
  const onLinkedIn = (reply: (r: RecordedRequest) => Reply) =>
    platforms.on('POST', '/rest/posts', (r) => {
      linkedinPosts.push(r);
      return reply(r);
    });
  const finished = (
    queue: 'social-posting' | 'scheduled-posts',
    jobId: string,
    timeoutMs = 20_000,
  ) =>
    eventually(async () => {
      const s = await queues.getJobStatus(queue, jobId);
      return ['completed', 'failed', 'cancelled'].includes(s.state) && s;
    }, timeoutMs);

  it('posts once per platform with the owner\u2019s tokens; after a failed attempt only the missing platform is retried', async () => {
    onTwitter(() => tweetCreated('1001'));
    let linkedinCalls = 0;
    onLinkedIn(() =>
      ++linkedinCalls === 1
        ? { status: 500, body: { message: 'Internal error' } }
        : linkedinCreated('urn:li:share:2002'),
    );
    const contentId = await app.get(ContentService).create('alice', { sourceText: 'launch' });

    const job = await queues.addSocialPostJob({
      userId: 'alice',
      contentId,
      platforms: ['twitter', 'linkedin'],
      content: { text: 'We launched!' },
    });
    const done = await finished(QUEUE_NAMES.SOCIAL_POSTING, job.jobId);

    expect(done).toMatchObject({ state: 'completed', attemptsMade: 2 });
    expect(tweets).toHaveLength(1);
    expect(linkedinPosts).toHaveLength(2);
    expect(tweets[0].headers.authorization).toBe('Bearer tw-token-alice');
    expect(tweets[0].body).toEqual({ text: 'We launched!' });
    expect(linkedinPosts[1].headers.authorization).toBe('Bearer li-token-alice');
    expect(linkedinPosts[1].headers['linkedin-version']).toMatch(/^\d{6}$/);
    expect(linkedinPosts[1].body).toMatchObject({
      author: 'urn:li:person:alice',
      commentary: 'We launched!',
      lifecycleState: 'PUBLISHED',
    });
    expect(done.returnValue).toEqual({
      platforms: [
        {
          platform: 'twitter',
          state: 'posted',
          postId: '1001',
          url: 'https://x.com/i/web/status/1001',
        },
        {
          platform: 'linkedin',
          state: 'posted',
          postId: 'urn:li:share:2002',
          url: 'https://www.linkedin.com/feed/update/urn:li:share:2002',
        },
      ],
    });
    const content = await app.get(ContentService).findOwned(contentId, 'alice');
    expect(content.published.twitter).toMatchObject({ postId: '1001', jobId: job.jobId });
    expect(content.published.linkedin).toMatchObject({ postId: 'urn:li:share:2002' });

    // An admin re-run of the finished job posts nothing again.
    const ledger = await app.get(PostLedgerService).entriesFor(job.jobId);
    expect(ledger.map((e) => e.state).sort()).toEqual(['posted', 'posted']);
  });

  it('honours Retry-After on a 429 without spending an attempt', async () => {
    let calls = 0;
    onTwitter(() =>
      ++calls === 1
        ? { status: 429, headers: { 'retry-after': '1' }, body: { title: 'Too Many Requests' } }
        : tweetCreated('1002'),
    );
    const job = await queues.addSocialPostJob({
      userId: 'bob',
      platforms: ['twitter'],
      content: { text: 'Rate limited, then fine' },
    });
    const done = await finished(QUEUE_NAMES.SOCIAL_POSTING, job.jobId);
    expect(done.state).toBe('completed');
    expect(done.attemptsMade).toBe(1);
    expect(tweets).toHaveLength(2);
    expect(tweets[1].at - tweets[0].at).toBeGreaterThanOrEqual(950);
  });

  it('fails a platform for good on another 4xx, keeps what was posted, and never re-posts it on retry', async () => {
    onTwitter(() => tweetCreated('1003'));
    onLinkedIn(() => ({ status: 401, body: { message: 'Invalid access token' } }));
    const job = await queues.addSocialPostJob({
      userId: 'bob',
      platforms: ['twitter', 'linkedin'],
      content: { text: 'Half works' },
    });
    const failed = await finished(QUEUE_NAMES.SOCIAL_POSTING, job.jobId);
    expect(failed).toMatchObject({ state: 'failed', attemptsMade: 1 });
    expect(failed.failedReason).toBe(
      'Posting failed: twitter: posted; linkedin: failed (linkedin: HTTP 401: Invalid access token)',
    );
    expect(tweets).toHaveLength(1);

    // The user fixes the token; an admin retries the job: LinkedIn posts, Twitter is not posted twice.
    onLinkedIn(() => linkedinCreated('urn:li:share:2003'));
    await queues.retryJob(QUEUE_NAMES.SOCIAL_POSTING, job.jobId);
    const retried = await finished(QUEUE_NAMES.SOCIAL_POSTING, job.jobId);
    expect(retried.state).toBe('completed');
    expect(tweets).toHaveLength(1);
    expect(linkedinPosts).toHaveLength(2);
  });

  /**
   * What a worker killed between sending the request and recording the answer leaves behind,
   * `agoMs` ago (long enough, by default, that no run of it can still be in flight).
   */
  const crashedMidPost = async (
    jobId: string,
    platform: 'twitter' | 'linkedin',
    agoMs = 10 * 60_000,
  ) => {
    expect(await app.get(PostLedgerService).claim(jobId, platform)).toEqual({ claimed: true });
    const then = new Date(Date.now() - agoMs);
    await app
      .get<Connection>(getConnectionToken())
      .collection('social_post_ledger')
      .updateOne(
        { _id: `${jobId}:${platform}` as never },
        { $set: { claimedAt: then, updatedAt: then } },
      );
  };
  /** Twitter's read API: who the token is, and that account's recent tweets. */
  const twitterTimeline = (reply: () => Reply) => {
    platforms.on('GET', '/2/users/me', () => ({ status: 200, body: { data: { id: 'tw-bob' } } }));
    platforms.on('GET', '/2/users/tw-bob/tweets', reply);
  };

  it('asks the platform after an attempt died mid-request: a post that went out is not made again', async () => {
    onTwitter(() => tweetCreated('never'));
    twitterTimeline(() => ({
      status: 200,
      body: { data: [{ id: '1005', text: 'Maybe posted', created_at: new Date().toISOString() }] },
    }));
    await crashedMidPost('crashed-posted', 'twitter');
    const job = await queues.addSocialPostJob(
      { userId: 'bob', platforms: ['twitter'], content: { text: 'Maybe posted' } },
      { jobId: 'crashed-posted' },
    );
    const done = await finished(QUEUE_NAMES.SOCIAL_POSTING, job.jobId);
    expect(done.state).toBe('completed');
    expect(done.returnValue).toMatchObject({
      platforms: [{ platform: 'twitter', state: 'posted', postId: '1005' }],
    });
    expect(tweets).toHaveLength(0);
    const read = platforms.requests.find((r) => r.path.startsWith('/2/users/tw-bob/tweets'));
    expect(read?.headers.authorization).toBe('Bearer tw-token-bob');
  });

  it('reads the timeline page by page: a post behind 150 newer ones is still found', async () => {
    onTwitter(() => tweetCreated('never'));
    const newer = Array.from({ length: 150 }, (_, i) => ({ id: `n${i}`, text: `Newer ${i}` }));
    const all = [...newer, { id: '1500', text: 'Deep in the timeline' }];
    twitterTimeline(() => ({ status: 404 }));
    platforms.on('GET', '/2/users/tw-bob/tweets', (r) => {
      const from = Number(new URL(r.path, 'http://x').searchParams.get('pagination_token') ?? 0);
      const next = from + 100 < all.length ? String(from + 100) : undefined;
      return {
        status: 200,
        body: { data: all.slice(from, from + 100), meta: { next_token: next } },
      };
    });
    await crashedMidPost('deep-timeline', 'twitter');
    const job = await queues.addSocialPostJob(
      { userId: 'bob', platforms: ['twitter'], content: { text: 'Deep in the timeline' } },
      { jobId: 'deep-timeline' },
    );
    const done = await finished(QUEUE_NAMES.SOCIAL_POSTING, job.jobId);
    expect(done.returnValue).toMatchObject({
      platforms: [{ platform: 'twitter', state: 'posted', postId: '1500' }],
    });
    expect(tweets).toHaveLength(0);
  });

  it('posts once when the platform says the earlier attempt did not go out (LinkedIn, by author)', async () => {
    onLinkedIn(() => linkedinCreated('urn:li:share:3001'));
    platforms.on('GET', '/rest/posts', () => ({
      status: 200,
      body: {
        elements: [{ id: 'urn:li:share:9', commentary: 'Other post', createdAt: Date.now() }],
      },
    }));
    await crashedMidPost('crashed-not-posted', 'linkedin');
    const job = await queues.addSocialPostJob(
      { userId: 'bob', platforms: ['linkedin'], content: { text: 'Not there yet' } },
      { jobId: 'crashed-not-posted' },
    );
    const done = await finished(QUEUE_NAMES.SOCIAL_POSTING, job.jobId);
    expect(done.state).toBe('completed');
    expect(linkedinPosts).toHaveLength(1);
    const read = platforms.requests.find((r) => r.path.startsWith('/rest/posts?'));
    expect(read?.path).toContain(`author=${encodeURIComponent('urn:li:person:bob')}`);
  });

  it('takes X’s "duplicate content" after an unknown attempt as a post to look up, not a failure', async () => {
    let timelineReads = 0;
    onTwitter(() => ({
      status: 403,
      body: { detail: 'You are not allowed to create a Tweet with duplicate content.' },
    }));
    // The timeline lags: the first look finds nothing, the next one finds the tweet.
    twitterTimeline(() =>
      ++timelineReads === 1
        ? { status: 200, body: { data: [] } }
        : { status: 200, body: { data: [{ id: '1077', text: 'Said twice?' }] } },
    );
    await crashedMidPost('duplicate-content', 'twitter');
    const job = await queues.addSocialPostJob(
      { userId: 'bob', platforms: ['twitter'], content: { text: 'Said twice?' } },
      { jobId: 'duplicate-content' },
    );
    const done = await finished(QUEUE_NAMES.SOCIAL_POSTING, job.jobId);
    expect(done).toMatchObject({ state: 'completed', attemptsMade: 2 });
    expect(done.returnValue).toMatchObject({
      platforms: [{ platform: 'twitter', state: 'posted', postId: '1077' }],
    });
    expect(tweets).toHaveLength(1);
  });

  it('waits, without asking or posting, while an earlier attempt may still be in flight', async () => {
    onTwitter(() => tweetCreated('never'));
    twitterTimeline(() => ({ status: 200, body: { data: [] } }));
    await crashedMidPost('maybe-in-flight', 'twitter', 0);
    const job = await queues.addSocialPostJob(
      { userId: 'bob', platforms: ['twitter'], content: { text: 'Still going?' } },
      { jobId: 'maybe-in-flight' },
    );
    const waiting = await eventually(async () => {
      const s = await queues.getJobStatus(QUEUE_NAMES.SOCIAL_POSTING, job.jobId);
      return s.state === 'delayed' && s;
    });
    expect(waiting.attemptsMade).toBe(0);
    expect(tweets).toHaveLength(0);
    expect(platforms.requests.filter((r) => r.method === 'GET')).toHaveLength(0);
    await queues.cancelJob(QUEUE_NAMES.SOCIAL_POSTING, job.jobId);
  });

  it('does not re-post when the platform cannot be asked (the outcome stays unknown)', async () => {
    onTwitter(() => tweetCreated('never'));
    twitterTimeline(() => ({ status: 503, body: { title: 'Service Unavailable' } }));
    await crashedMidPost('crashed-unknown', 'twitter');
    const job = await queues.addSocialPostJob(
      { userId: 'bob', platforms: ['twitter'], content: { text: 'Maybe posted' } },
      { jobId: 'crashed-unknown' },
    );
    const failed = await finished(QUEUE_NAMES.SOCIAL_POSTING, job.jobId);
    expect(failed.state).toBe('failed');
    // Asked on every attempt; never posted without an answer.
    expect(failed.attemptsMade).toBe(3);
    expect(failed.failedReason).toMatch(
      /twitter: uncertain \(an earlier attempt stopped mid-request and the platform could not be asked \(twitter: HTTP 503: Service Unavailable\); not re-posted/,
    );
    expect(tweets).toHaveLength(0);
  });

  it('fails a platform the owner has not linked, and refuses a tweet longer than 280 characters up front', async () => {
    const job = await queues.addSocialPostJob({
      userId: 'carol',
      platforms: ['twitter'],
      content: { text: 'Who am I?' },
    });
    const failed = await finished(QUEUE_NAMES.SOCIAL_POSTING, job.jobId);
    expect(failed).toMatchObject({
      state: 'failed',
      attemptsMade: 1,
      failedReason: 'Posting failed: twitter: failed (no linked twitter account)',
    });
    expect(tweets).toHaveLength(0);

    await expect(
      queues.addSocialPostJob({
        userId: 'bob',
        platforms: ['twitter', 'linkedin'],
        content: { text: 'x'.repeat(281) },
      }),
    ).rejects.toThrow(
      'content.text is longer than a chosen platform allows (twitter 280, linkedin 3000 characters)',
    );
  });

  it('publishes a scheduled post after its time, through a social-posting job for the same owner', async () => {
    onTwitter(() => tweetCreated('1004'));
    // Paused while the test looks at it, so that it is still scheduled however slow queueing is;
    // it runs once resumed and due.
    const operations = app.get(QueueOperations);
    await operations.pause(QUEUE_NAMES.SCHEDULED_POSTS);
    const at = new Date(Date.now() + 1500);
    const job = await queues.addScheduledPostJob(
      { userId: 'alice', platforms: ['twitter'], content: { text: 'Happy new year!' } },
      at,
    );
    expect(job).toMatchObject({ queue: 'scheduled-posts', state: 'delayed' });
    expect((await app.get(ScheduledPostsService).findById(job.jobId))?.state).toBe('scheduled');
    await operations.resume(QUEUE_NAMES.SCHEDULED_POSTS);

    const handOff = await finished(QUEUE_NAMES.SCHEDULED_POSTS, job.jobId);
    const socialJobId = (handOff.returnValue as { socialJobId: string }).socialJobId;
    const posted = await finished(QUEUE_NAMES.SOCIAL_POSTING, socialJobId);
    expect(posted.state).toBe('completed');
    expect(posted.ownerId).toBe('alice');
    expect(tweets).toHaveLength(1);
    expect(tweets[0].at).toBeGreaterThanOrEqual(at.getTime());
    expect(tweets[0].headers.authorization).toBe('Bearer tw-token-alice');
    const scheduled = await eventually(async () => {
      const s = await app.get(ScheduledPostsService).findById(job.jobId);
      return s?.state === 'published' && s;
    });
    expect(scheduled).toMatchObject({ socialJobId, state: 'published' });
  });

  it('refuses a date in the past, and cancelling removes the delayed job', async () => {
    await expect(
      queues.addScheduledPostJob(
        { userId: 'alice', platforms: ['twitter'], content: { text: 'too late' } },
        new Date(Date.now() - 60_000),
      ),
    ).rejects.toThrow(new JobPayloadError(['date must be in the future']));

    const job = await queues.addScheduledPostJob(
      { userId: 'alice', platforms: ['twitter'], content: { text: 'never' } },
      new Date(Date.now() + 3_600_000),
    );
    expect(await queues.cancelJob(QUEUE_NAMES.SCHEDULED_POSTS, job.jobId)).toEqual({
      state: 'cancelled',
    });
    expect((await queues.getQueueStats(QUEUE_NAMES.SCHEDULED_POSTS)).delayed).toBe(0);
    expect((await app.get(ScheduledPostsService).findById(job.jobId))?.state).toBe('cancelled');
  });

  it('an admin retry of a cancelled scheduled post runs it at its time, not at once', async () => {
    onTwitter(() => tweetCreated('1005'));
    // Paused while the test cancels and retries it, so that it cannot come due in between
    // however slow the machine is; it runs once resumed and due.
    const operations = app.get(QueueOperations);
    await operations.pause(QUEUE_NAMES.SCHEDULED_POSTS);
    const at = new Date(Date.now() + 3000);
    const job = await queues.addScheduledPostJob(
      { userId: 'bob', platforms: ['twitter'], content: { text: 'Not before three seconds' } },
      at,
    );
    await queues.cancelJob(QUEUE_NAMES.SCHEDULED_POSTS, job.jobId);
    const posts = app.get(ScheduledPostsService);
    expect((await posts.findById(job.jobId))?.state).toBe('cancelled');

    const retried = await queues.retryJob(QUEUE_NAMES.SCHEDULED_POSTS, job.jobId);
    expect(retried).toMatchObject({ jobId: job.jobId, state: 'delayed', runAt: job.runAt });
    expect((await queues.getJobStatus(QUEUE_NAMES.SCHEDULED_POSTS, job.jobId)).state).toBe(
      'delayed',
    );
    expect((await posts.findById(job.jobId))?.state).toBe('scheduled');
    await operations.resume(QUEUE_NAMES.SCHEDULED_POSTS);

    const handOff = await finished(QUEUE_NAMES.SCHEDULED_POSTS, job.jobId);
    const socialJobId = (handOff.returnValue as { socialJobId: string }).socialJobId;
    expect((await finished(QUEUE_NAMES.SOCIAL_POSTING, socialJobId)).state).toBe('completed');
    expect(tweets).toHaveLength(1);
    expect(tweets[0].at).toBeGreaterThanOrEqual(job.runAt!.getTime());
    await eventually(async () => (await posts.findById(job.jobId))?.state === 'published');
  });
});
