import { mkdtemp, mkdir, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Redis from 'ioredis';
import { REDIS_CLIENT } from '../../src/infra/redis/redis.module';
import { QUEUE_NAMES, QueuesService } from '../../src/queues';
import { QueueRegistry } from '../../src/queues/kernel/queue-registry';
import { JobRecordsService } from '../../src/queues/records/job-records.service';
import { TaskRunner } from '../../src/scheduler/task-runner.service';
import { MaintenanceProcessor } from '../../src/scheduler/maintenance.processor';
import { MAINTENANCE_QUEUE, TICK_JOB_OPTIONS } from '../../src/scheduler/maintenance-queue';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue, Worker } from 'bullmq';
import { ScheduledPostsService } from '../../src/social/scheduled-posts.service';
import { SocialAccountsService } from '../../src/social/social-accounts.service';
import { ApiClient } from '../support/api-client';
import { HttpFake, RecordedRequest } from '../support/fakes/http-fake';
import {
  dropTestData,
  eventually,
  startTestApp,
  testBullConnection,
  TestApp,
} from '../support/test-app';
import { uniqueName } from '../support/test-env';

const DAY_MS = 86_400_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('maintenance tasks (the crons’ work, run by an admin)', () => {
  let platforms: HttpFake;
  let app: TestApp;
  let api: ApiClient;
  let admin: string;
  let tempDir: string;
  let queues: QueuesService;
  let registry: QueueRegistry;
  let redis: Redis;
  const tweets: RecordedRequest[] = [];

  beforeAll(async () => {
    platforms = await HttpFake.start();
    platforms.on('POST', '/2/tweets', (r) => {
      tweets.push(r);
      return { status: 201, body: { data: { id: `t${tweets.length}`, text: 'ok' } } };
    });
    tempDir = await mkdtemp(path.join(os.tmpdir(), 'click-temp-'));
    app = await startTestApp(
      uniqueName('maint'),
      {
        TWITTER_API_BASE_URL: platforms.url,
        ADMIN_EMAIL: 'ops@click.test',
        ADMIN_PASSWORD: 'ops-password',
        TEMP_DIR: tempDir,
        // The crons stay out of the way: these tests start every run themselves.
        CRON_SCHEDULED_POSTS: '0 0 1 1 *',
        CRON_CLEANUP: '0 0 1 1 *',
        CRON_DEADLINES: '0 0 1 1 *',
        // A tick whose worker died is handed back within seconds.
        JOB_LOCK_DURATION_MS: '2000',
        JOB_STALLED_CHECK_MS: '1000',
      },
      { listen: true },
    );
    api = new ApiClient(app.app);
    admin = (await api.login('ops@click.test', 'ops-password')).token;
    queues = app.get(QueuesService);
    registry = app.get(QueueRegistry);
    redis = app.get(REDIS_CLIENT);
    await app.get(SocialAccountsService).link('alice', 'twitter', 'tw-token-alice');
  });

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
    await platforms.stop();
    await rm(tempDir, { recursive: true, force: true });
  });

  const runTask = (task: string) => api.call('post', `/jobs/maintenance/${task}`, admin);

  it('queues a due scheduled post whose delayed job Redis lost, and publishes every post once', async () => {
    const posts = app.get(ScheduledPostsService);
    // Paused before it is queued (however long queueing takes), the kept post's job stays in
    // Redis past its time: alive, it must not be queued twice.
    const scheduledQueue = await registry.use(QUEUE_NAMES.SCHEDULED_POSTS);
    await scheduledQueue.pause();
    // Far enough ahead that the sweep below runs before it, even on a loaded machine.
    const at = new Date(Date.now() + 3000);
    const lost = await queues.addScheduledPostJob(
      { userId: 'alice', platforms: ['twitter'], content: { text: 'Lost and found' } },
      at,
    );
    const kept = await queues.addScheduledPostJob(
      { userId: 'alice', platforms: ['twitter'], content: { text: 'Still in Redis' } },
      at,
    );
    await scheduledQueue.remove(lost.jobId);

    const early = await runTask('scheduled-posts').expect(200);
    expect(early.body).toMatchObject({ outcome: 'ok', report: { due: 0, queued: 0 } });

    await sleep(at.getTime() - Date.now() + 100);
    const sweep = await runTask('scheduled-posts').expect(200);
    expect(sweep.body).toMatchObject({
      task: 'scheduled-posts',
      trigger: 'manual',
      outcome: 'ok',
      report: { due: 2, live: 1, queued: 1, settled: 0 },
    });
    await scheduledQueue.resume();

    await eventually(
      async () => (await posts.findById(lost.jobId))?.state === 'published',
      15_000,
      'the lost post published',
    );
    await eventually(
      async () => (await posts.findById(kept.jobId))?.state === 'published',
      15_000,
      'the kept post published',
    );
    const again = await runTask('scheduled-posts').expect(200);
    expect(again.body.report).toMatchObject({ due: 0, queued: 0 });
    const texts = tweets.map((t) => (t.body as { text: string }).text).sort();
    expect(texts).toEqual(['Lost and found', 'Still in Redis']);
  });

  it('cleans finished jobs past retention, expired job records and stale temp files', async () => {
    const records = app.get(JobRecordsService);
    const email = (to: string) =>
      queues.addEmailJob({ to, template: 'welcome', data: { name: 'A', email: to } });
    const oldJob = await email('old@example.com');
    const fresh = await email('fresh@example.com');
    for (const job of [oldJob, fresh])
      await eventually(
        async () => (await records.findById(job.jobId))?.state === 'completed',
        15_000,
        `email ${job.jobId} completed`,
      );
    // The old job finished two days ago, and its record's retention has run out.
    const twoDaysAgo = Date.now() - 2 * DAY_MS;
    const emailKeys = `${app.config.redisKeys.bullPrefix(QUEUE_NAMES.EMAIL_SENDING)}:email-sending`;
    await redis.zadd(`${emailKeys}:completed`, twoDaysAgo, oldJob.jobId);
    await redis.hset(`${emailKeys}:${oldJob.jobId}`, 'finishedOn', twoDaysAgo);
    await records.update(oldJob.jobId, { purgeAfter: new Date(Date.now() - 1000) });
    await records.flush();
    // Scratch entries of media jobs: a stale file and a stale folder go, a fresh one stays, and
    // an old file that is not the app's own is left alone.
    const inTemp = (name: string) => path.join(tempDir, name);
    await writeFile(inTemp('job-a-1234'), 'x');
    await mkdir(inTemp('job-b-5678'));
    await writeFile(inTemp('job-b-5678/audio.wav'), 'x');
    await mkdir(inTemp('job-c-9abc'));
    await writeFile(inTemp('job-c-9abc/still-writing.mp4'), 'x');
    await writeFile(inTemp('someone-elses.txt'), 'x');
    const old = new Date(twoDaysAgo);
    for (const name of ['job-a-1234', 'job-b-5678/audio.wav', 'job-b-5678', 'job-c-9abc'])
      await utimes(inTemp(name), old, old);
    await utimes(inTemp('someone-elses.txt'), old, old);

    const run = await runTask('cleanup').expect(200);
    expect(run.body).toMatchObject({ outcome: 'ok', report: { jobRecords: 1, tempFiles: 2 } });
    expect(run.body.report.queues['email-sending']).toEqual({ completed: 1, failed: 0 });

    const emailQueue = await registry.use(QUEUE_NAMES.EMAIL_SENDING);
    expect(await emailQueue.getJob(oldJob.jobId)).toBeUndefined();
    expect(await emailQueue.getJob(fresh.jobId)).toBeDefined();
    expect(await records.findById(oldJob.jobId)).toBeNull();
    expect(await records.findById(fresh.jobId)).not.toBeNull();
    expect((await readdir(tempDir)).sort()).toEqual(['job-c-9abc', 'someone-elses.txt']);
  });

  it('refuses an unknown task with the valid ones, and a task already running elsewhere', async () => {
    const unknown = await runTask('defrag').expect(404);
    expect(unknown.body.message).toBe(
      'Unknown maintenance task "defrag"; valid tasks: scheduled-posts, cleanup, reconcile, deadlines',
    );
    const lock = `${app.config.redisKeys.base}:maintenance:cleanup:lock`;
    await redis.set(lock, 'another-instance', 'PX', 10_000);
    try {
      const busy = await runTask('cleanup').expect(409);
      expect(busy.body.message).toMatch(/already running/);
    } finally {
      await redis.del(lock);
    }
  });

  it('finishes a nightly tick whose worker died half-way, once, after its lease lapses', async () => {
    const slot = '2026-11-28T02:00:00.000Z';
    const ours = app.get(MaintenanceProcessor).worker;
    // A dead instance: it took the tick's job and held the task's lease, then vanished.
    await ours.pause();
    const ticks = app.get<Queue>(getQueueToken(MAINTENANCE_QUEUE));
    await ticks.add('cleanup', { slot }, { ...TICK_JOB_OPTIONS, jobId: 'cleanup@1795831200000' });
    const deadConnection = testBullConnection(app.config);
    const dead = new Worker(MAINTENANCE_QUEUE, null, {
      connection: deadConnection.connection,
      prefix: app.config.redisKeys.bullPrefix(MAINTENANCE_QUEUE),
      lockDuration: 1000,
    });
    const taken = await dead.getNextJob('dead-token');
    expect(taken?.id).toBe('cleanup@1795831200000');
    await redis.set(
      `${app.config.redisKeys.base}:maintenance:cleanup:lock`,
      'dead-instance',
      'PX',
      3000,
    );
    await dead.close(true);
    deadConnection.release();
    await ours.resume();

    // BullMQ's stall check hands the job back; it waits for the dead run's lease, then runs.
    // The state first, then the job: a job read just before it completed has no return value yet.
    const finished = await eventually(async () => {
      const state = await ticks.getJobState('cleanup@1795831200000');
      return state === 'completed' && (await ticks.getJob('cleanup@1795831200000'));
    }, 30_000);
    expect(finished.returnvalue).toMatchObject({
      task: 'cleanup',
      trigger: 'cron',
      slot,
      outcome: 'ok',
    });
    expect(finished.stalledCounter).toBe(1);
    const runs = (await app.get(TaskRunner).history()).filter((run) => run.slot === slot);
    expect(runs).toHaveLength(1);
    // A second add of the same tick (another instance firing late) runs nothing.
    await ticks.add('cleanup', { slot }, { ...TICK_JOB_OPTIONS, jobId: 'cleanup@1795831200000' });
    await sleep(1500);
    expect((await app.get(TaskRunner).history()).filter((run) => run.slot === slot)).toHaveLength(
      1,
    );
    // A failover that lost the tick's job after it ran (and the run history with it): another
    // instance adds it anew. The ledger in MongoDB knows the slot ran; the job completes without
    // running the task again, and the run it remembers is back in the history, once.
    await redis.del(`${app.config.redisKeys.base}:maintenance:runs`);
    await (await ticks.getJob('cleanup@1795831200000'))!.remove();
    await ticks.add('cleanup', { slot }, { ...TICK_JOB_OPTIONS, jobId: 'cleanup@1795831200000' });
    const again = await eventually(async () => {
      const job = await ticks.getJob('cleanup@1795831200000');
      return (await job?.getState()) === 'completed' && job;
    }, 15_000);
    expect(again.returnvalue).toMatchObject({ task: 'cleanup', slot, outcome: 'already-ran' });
    const kept = (await app.get(TaskRunner).history()).filter((run) => run.slot === slot);
    expect(kept).toEqual([finished.returnvalue]);

    const overview = await api.call('get', '/jobs/maintenance', admin).expect(200);
    expect(overview.body.tasks).toEqual([
      expect.objectContaining({
        name: 'scheduled-posts',
        schedule: { expression: '0 0 1 1 *', timeZone: 'UTC' },
      }),
      expect.objectContaining({ name: 'cleanup' }),
      expect.objectContaining({ name: 'reconcile' }),
      expect.objectContaining({ name: 'deadlines' }),
    ]);
    expect(overview.body.runs[0]).toMatchObject({ task: 'cleanup', trigger: 'cron', slot });
    const audit = await api.call('get', '/jobs/audit', admin).expect(200);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toContain('maintenance.run');
  });
});
