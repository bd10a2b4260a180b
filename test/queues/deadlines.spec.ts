import { JobKernel, JobPayloadError, QueueOperations, QueuesService } from '../../src/queues';
import { ScheduledPostsService } from '../../src/social/scheduled-posts.service';
import { SocialAccountsService } from '../../src/social/social-accounts.service';
import { HttpFake, RecordedRequest } from '../support/fakes/http-fake';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { uniqueName } from '../support/test-env';
import { NapQueueModule } from '../fixtures/nap-queue/nap.module';

/**
 * Start deadlines: a job not started by its deadline (its own, or its queue's
 * QUEUE_<NAME>_MAX_LATENESS_MS after it was due) is not run; it ends `expired`, its end hooks run
 * (a scheduled post becomes `expired`, never `published`), and an admin may still retry it.
 */
describe('start deadlines', () => {
  let x: HttpFake;
  let app: TestApp;
  let queues: QueuesService;
  let operations: QueueOperations;
  const tweets: RecordedRequest[] = [];

  beforeAll(async () => {
    x = await HttpFake.start();
    let next = 9000;
    x.on('POST', '/2/tweets', (request) => {
      tweets.push(request);
      return { status: 201, body: { data: { id: String(++next), text: 'ok' } } };
    });
    app = await startTestApp(
      uniqueName('deadline'),
      { TWITTER_API_BASE_URL: x.url, QUEUE_SCHEDULED_POSTS_MAX_LATENESS_MS: '1000' },
      { extraModules: [NapQueueModule] },
    );
    queues = app.get(QueuesService);
    operations = app.get(QueueOperations);
    await app.get(SocialAccountsService).link('ann', 'twitter', 'tok-ann');
  });

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
    await x.stop();
  });

  it('expires a scheduled post whose deadline passed while its queue was paused; never posts it', async () => {
    await operations.pause('scheduled-posts');
    const due = new Date(Date.now() + 1000);
    const { jobId } = await queues.addScheduledPostJob(
      { userId: 'ann', platforms: ['twitter'], content: { text: 'Too late to matter' } },
      due,
    );
    // Due, then a second of lateness allowed: both pass while the queue is paused.
    await new Promise((r) => setTimeout(r, 2500));
    await operations.resume('scheduled-posts');
    await eventually(
      async () => (await queues.getJobStatus('scheduled-posts', jobId)).state === 'expired',
      20_000,
      'job expired',
    );
    const status = await queues.getJobStatus('scheduled-posts', jobId);
    expect(status.failedReason).toMatch(
      new RegExp(
        `^Expired: not started by its deadline ${new Date(due.getTime() + 1000).toISOString().slice(0, 16)}`,
      ),
    );
    await eventually(
      async () => (await app.get(ScheduledPostsService).findById(jobId))?.state === 'expired',
      10_000,
      'scheduled post expired',
    );
    expect(tweets).toHaveLength(0);

    // An admin decides it should go out after all: the retry lifts the deadline.
    await queues.retryJob('scheduled-posts', jobId);
    await eventually(
      async () => (await app.get(ScheduledPostsService).findById(jobId))?.state === 'published',
      20_000,
      'published after the retry',
    );
    expect(tweets.map((t) => (t.body as { text: string }).text)).toEqual(['Too late to matter']);
  });

  it('runs a job that starts within its deadline normally, and expires one that cannot', async () => {
    const inTime = await queues.addJob(
      'naps',
      { name: 'nap', data: { ms: 50 } },
      { deadline: new Date(Date.now() + 30_000) },
    );
    await eventually(
      async () => (await queues.getJobStatus('naps', inTime.jobId)).state === 'completed',
      20_000,
      'nap in time completed',
    );
    await operations.pause('naps');
    const late = await queues.addJob(
      'naps',
      { name: 'nap', data: { ms: 50 } },
      { deadline: new Date(Date.now() + 500) },
    );
    await new Promise((r) => setTimeout(r, 1000));
    await operations.resume('naps');
    await eventually(
      async () => (await queues.getJobStatus('naps', late.jobId)).state === 'expired',
      20_000,
      'late nap expired',
    );
  });

  it('refuses a deadline that is not after the time the job is due', async () => {
    const kernel = app.get(JobKernel);
    for (const deadline of [new Date(Date.now() - 1000), new Date('nope')]) {
      const add = kernel.add('naps', 'nap', { ms: 1 }, { deadline });
      await expect(add).rejects.toThrow(JobPayloadError);
    }
    await expect(
      kernel.add(
        'naps',
        'nap',
        { ms: 1 },
        { delay: 10_000, deadline: new Date(Date.now() + 5000) },
      ),
    ).rejects.toThrow(/deadline must be after the time the job is due to run/);
  });
});
