import { JobKernel, JobPayloadError, QueueOperations, QueuesService } from '../../src/queues';
import { ApiClient, Session } from '../support/api-client';
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
  let api: ApiClient;
  let admin: string;
  let bea: Session;
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
      {
        TWITTER_API_BASE_URL: x.url,
        QUEUE_SCHEDULED_POSTS_MAX_LATENESS_MS: '1000',
        ADMIN_EMAIL: 'ops@click.test',
        ADMIN_PASSWORD: 'ops-password',
        // The sweep runs when these tests say (POST /jobs/maintenance/deadlines).
        CRON_DEADLINES: '0 0 1 1 *',
      },
      { extraModules: [NapQueueModule] },
    );
    queues = app.get(QueuesService);
    operations = app.get(QueueOperations);
    await app.get(SocialAccountsService).link('ann', 'twitter', 'tok-ann');
    api = new ApiClient(app.app);
    admin = (await api.login('ops@click.test', 'ops-password')).token;
    bea = await api.register('Bea');
    await app.get(SocialAccountsService).link(bea.user.id, 'twitter', 'tok-bea');
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

  const sweep = async () =>
    (await api.call('post', '/jobs/maintenance/deadlines', admin).expect(200)).body as {
      outcome: string;
      report: { due: number; expired: number };
    };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const jobOf = async (jobId: string) =>
    (await api.call('get', `/jobs/user/${jobId}`, bea.token).expect(200)).body as {
      state: string;
      failedReason?: string;
    };

  it('ends a post held in a paused queue expired at its deadline, without waiting for a resume (HTTP)', async () => {
    await operations.pause('scheduled-posts');
    // Due in 4 s: BullMQ moves a due job out of `delayed` even in a paused queue, and the checks
    // below that it is still delayed (a request, a sweep, a read) must come before that.
    const scheduledAt = new Date(Date.now() + 4000);
    const deadline = new Date(scheduledAt.getTime() + 1000);
    const res = await api
      .call('post', '/posts', bea.token)
      .send({
        platforms: ['twitter'],
        content: { text: 'Only worth it on time' },
        scheduledAt: scheduledAt.toISOString(),
        deadline: deadline.toISOString(),
      })
      .expect(202);
    const jobId = (res.body as { jobId: string }).jobId;
    // Not yet: the sweep leaves a job before its deadline alone.
    expect((await sweep()).report.expired).toBe(0);
    expect((await jobOf(jobId)).state).toBe('delayed');
    await sleep(deadline.getTime() - Date.now() + 300);
    const run = await sweep();
    expect(run.outcome).toBe('ok');
    expect(run.report.expired).toBe(1);
    const job = await jobOf(jobId);
    expect(job.state).toBe('expired');
    expect(job.failedReason).toBe(
      `Expired: not started by its deadline ${deadline.toISOString()} (its queue scheduled-posts was paused)`,
    );
    expect((await app.get(ScheduledPostsService).findById(jobId))?.state).toBe('expired');
    // The queue resumes: nothing of it is left to run.
    await operations.resume('scheduled-posts');
    await sleep(1500);
    expect((await jobOf(jobId)).state).toBe('expired');
    expect(tweets.map((t) => (t.body as { text: string }).text)).not.toContain(
      'Only worth it on time',
    );
  });

  it('passes a scheduled post’s deadline on to its social-posting job', async () => {
    // The scheduled job runs on time; the platform's queue is what holds the post back.
    await operations.pause('social-posting');
    const scheduledAt = new Date(Date.now() + 1000);
    // Three seconds for the scheduled job to start and hand off (it too expires after this).
    const deadline = new Date(scheduledAt.getTime() + 3000);
    const res = await api
      .call('post', '/posts', bea.token)
      .send({
        platforms: ['twitter'],
        content: { text: 'Handed off, then held' },
        scheduledAt: scheduledAt.toISOString(),
        deadline: deadline.toISOString(),
      })
      .expect(202);
    const jobId = (res.body as { jobId: string }).jobId;
    await eventually(
      async () => (await jobOf(jobId)).state === 'completed',
      15_000,
      'hand-off done',
    );
    const socialId = `${jobId}-post`;
    expect((await jobOf(socialId)).state).toBe('waiting');
    await sleep(deadline.getTime() - Date.now() + 300);
    expect((await sweep()).report.expired).toBe(1);
    const social = await jobOf(socialId);
    expect(social.state).toBe('expired');
    expect(social.failedReason).toBe(
      `Expired: not started by its deadline ${deadline.toISOString()} (its queue social-posting was paused)`,
    );
    await eventually(
      async () => (await app.get(ScheduledPostsService).findById(jobId))?.state === 'expired',
      10_000,
      'scheduled post expired',
    );
    await operations.resume('social-posting');
    await sleep(1500);
    expect(tweets.map((t) => (t.body as { text: string }).text)).not.toContain(
      'Handed off, then held',
    );
  });

  it('refuses a bad deadline on a submission with a 400 naming it', async () => {
    const post = (extra: object) =>
      api
        .call('post', '/posts', bea.token)
        .send({ platforms: ['twitter'], content: { text: 'Bad deadline' }, ...extra });
    const notADate = await post({ deadline: 'tomorrow' }).expect(400);
    expect(JSON.stringify(notADate.body)).toContain('deadline must be an ISO 8601 date-time');
    const scheduledAt = new Date(Date.now() + 60_000);
    const beforeDue = await post({
      scheduledAt: scheduledAt.toISOString(),
      deadline: new Date(scheduledAt.getTime() - 1000).toISOString(),
    }).expect(400);
    expect(JSON.stringify(beforeDue.body)).toContain(
      'deadline must be after the time the job is due to run',
    );
    const past = await api
      .call('post', '/content/generate', bea.token)
      .send({ text: 'x', platforms: ['twitter'], deadline: new Date(Date.now() - 1).toISOString() })
      .expect(400);
    expect(JSON.stringify(past.body)).toContain('deadline must be after the time the job is due');
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
