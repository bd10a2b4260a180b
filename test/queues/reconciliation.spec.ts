import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { JOB_NAMES, QUEUE_NAMES, QueuesService } from '../../src/queues';
import { JobReconciler } from '../../src/queues/kernel/job-reconciler.service';
import { JobRecordsService } from '../../src/queues/records/job-records.service';
import { FakeSmtp } from '../support/fakes/smtp';
import { OwnedServer } from '../support/servers';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { uniqueName } from '../support/test-env';

/**
 * A producer writes the job record first, then adds the job to Redis. These tests stop that
 * sequence (or the worker's record updates) where a crash would, and check that the reconciler
 * brings Redis and MongoDB back into agreement.
 */
describe('job records and Redis after a crash between the writes', () => {
  let smtp: FakeSmtp;
  const name = uniqueName('reconcile');
  const env = { JOB_RECONCILE_GRACE_MS: '0', JOB_RECONCILE_INTERVAL_MS: '3600000' };
  let api: TestApp;
  let records: JobRecordsService;
  let queues: QueuesService;

  beforeAll(async () => {
    smtp = await FakeSmtp.start();
    api = await startTestApp(name, { ...env, SMTP_URL: smtp.url, APP_ROLE: 'api' });
    records = api.get(JobRecordsService);
    queues = api.get(QueuesService);
  });

  afterAll(async () => {
    await dropTestData(api);
    await api.close();
    await smtp.stop();
  });

  const emailQueue = () => api.get<Queue>(getQueueToken(QUEUE_NAMES.EMAIL_SENDING));
  const recordOnly = (id: string, to: string) =>
    records.create({
      _id: id,
      state: 'waiting',
      queue: QUEUE_NAMES.EMAIL_SENDING,
      name: JOB_NAMES.SEND_EMAIL,
      ownerId: 'u1',
      maxAttempts: 3,
      priority: 0,
      data: { to, template: 'welcome', data: { name: id }, userId: 'u1' },
    });

  it('queues a job whose record was written but which never reached Redis, and it runs', async () => {
    await recordOnly('crash-before-add', 'lost@example.com');
    expect(await emailQueue().getJob('crash-before-add')).toBeUndefined();

    const report = await api.get(JobReconciler).runOnce();
    expect(report).toMatchObject({ requeued: 1 });
    expect(await emailQueue().getJob('crash-before-add')).toBeDefined();

    const worker = await startTestApp(name, { ...env, SMTP_URL: smtp.url, APP_ROLE: 'worker' });
    try {
      const mails = await smtp.waitFor(1);
      expect(mails.map((m) => m.to[0])).toContain('lost@example.com');
      const record = await eventually(async () => {
        const r = await records.findById('crash-before-add');
        return r?.state === 'completed' && r;
      });
      expect(record.attemptsMade).toBe(1);
    } finally {
      await worker.close();
    }
  });

  it('repairs a record whose job is in Redis in another state, without adding a second job', async () => {
    await recordOnly('crash-after-add', 'x@example.com');
    await emailQueue().add(
      JOB_NAMES.SEND_EMAIL,
      { to: 'x@example.com', template: 'welcome', userId: 'u1' },
      { jobId: 'crash-after-add', delay: 60_000 },
    );

    const report = await api.get(JobReconciler).runOnce();
    expect(report).toMatchObject({ requeued: 0, repaired: 1 });
    expect((await records.findById('crash-after-add'))?.state).toBe('delayed');
    expect(await emailQueue().getDelayedCount()).toBe(1);
  });

  it('brings a record that missed its worker events up to the job state in Redis', async () => {
    const worker = await startTestApp(name, { ...env, SMTP_URL: smtp.url, APP_ROLE: 'worker' });
    try {
      const job = await queues.addEmailJob({
        to: 'behind@example.com',
        template: 'welcome',
        userId: 'u1',
      });
      await eventually(async () => (await records.findById(job.jobId))?.state === 'completed');
      // As if the completed event had been lost in a crash:
      await records.update(job.jobId, { state: 'active', checkedAt: new Date(0) }, [
        'finishedAt',
        'result',
      ]);

      const report = await api.get(JobReconciler).runOnce();
      expect(report?.repaired).toBeGreaterThanOrEqual(1);
      const record = await records.findById(job.jobId);
      expect(record).toMatchObject({ state: 'completed', attemptsMade: 1 });
      expect(record?.finishedAt).toBeInstanceOf(Date);
      expect(record?.result).toMatchObject({ accepted: ['behind@example.com'] });
    } finally {
      await worker.close();
    }
  });
});

describe('a job Redis refuses', () => {
  it('is answered with "queue unavailable" and leaves no record behind', async () => {
    const redis = await OwnedServer.redis();
    const app = await startTestApp(uniqueName('refused'), {
      APP_ROLE: 'api',
      REDIS_URL: `redis://127.0.0.1:${redis.port}`,
    });
    try {
      await redis.stop();
      const queues = app.get(QueuesService);
      await expect(
        queues.addEmailJob(
          { to: 'refused@example.com', template: 'welcome', userId: 'u-refused' },
          { jobId: 'refused-job' },
        ),
      ).rejects.toThrow(/The job queue is unavailable/);
      expect(await app.get(JobRecordsService).findById('refused-job')).toBeNull();
      // A job the caller owes (deferIfQueueDown) is kept as a record for the reconciler instead.
      const owed = await queues.addEmailJob(
        { to: 'owed@example.com', template: 'welcome', userId: 'u-owed' },
        { deferIfQueueDown: true },
      );
      expect(await app.get(JobRecordsService).findById(owed.jobId)).toMatchObject({
        state: 'waiting',
        ownerId: 'u-owed',
      });
    } finally {
      await redis.start();
      await dropTestData(app);
      await app.close();
      await redis.dispose();
    }
  });
});
