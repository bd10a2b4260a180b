import { getQueueToken } from '@nestjs/bullmq';
import { getConnectionToken } from '@nestjs/mongoose';
import type { Queue } from 'bullmq';
import type Redis from 'ioredis';
import type { Connection } from 'mongoose';
import { readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  JOB_NAMES,
  JOB_PRIORITY,
  JobPayloadError,
  QUEUE_NAMES,
  QueuesService,
} from '../../src/queues';
import { REDIS_CLIENT } from '../../src/infra/redis/redis.module';
import { MailLedger } from '../../src/mail/mail-ledger';
import { JobRecordsService } from '../../src/queues/records/job-records.service';
import { FakeSmtp } from '../support/fakes/smtp';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { uniqueName } from '../support/test-env';

describe('email-sending worker', () => {
  let smtp: FakeSmtp;
  let app: TestApp;
  let queues: QueuesService;

  beforeAll(async () => {
    smtp = await FakeSmtp.start();
    app = await startTestApp(uniqueName('email'), {
      SMTP_URL: smtp.url,
      JOB_BACKOFF_DELAY_MS: '50',
      MAIL_FROM: 'Click <hello@click.test>',
    });
    queues = app.get(QueuesService);
  });

  afterEach(() => {
    smtp.rejectWith = undefined;
  });

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
    await smtp.stop();
  });

  const status = (jobId: string) => queues.getJobStatus(QUEUE_NAMES.EMAIL_SENDING, jobId);
  const finished = (jobId: string) =>
    eventually(
      async () => {
        const s = await status(jobId);
        return ['completed', 'failed', 'cancelled'].includes(s.state) && s;
      },
      20_000,
      `job ${jobId} to finish`,
    );

  it('sends a rendered template with HTML and text parts through SMTP', async () => {
    const accepted = await queues.addEmailJob({
      to: 'ada@example.com',
      template: 'welcome',
      data: { name: 'Ada', email: 'ada@example.com' },
    });
    expect(accepted).toMatchObject({
      queue: 'email-sending',
      state: 'waiting',
      priority: JOB_PRIORITY.NORMAL,
    });

    const [mail] = await smtp.waitFor(1);
    expect(mail.to).toEqual(['ada@example.com']);
    expect(mail.parsed.from?.value[0]).toMatchObject({
      name: 'Click',
      address: 'hello@click.test',
    });
    expect(mail.subject).toBe('Welcome to Click, Ada!');
    expect(mail.html).toContain('<h1>Welcome to Click, Ada!</h1>');
    expect(mail.text).toContain('Welcome to Click, Ada!');
    expect(mail.text).not.toContain('<');
    // Derived from the job: a resend in the one window left is recognisable by receivers.
    expect(mail.parsed.messageId).toBe(`<${accepted.jobId}@click.test>`);

    const done = await finished(accepted.jobId);
    expect(done.state).toBe('completed');
    expect(done.attemptsMade).toBe(1);
    const record = await eventually(async () => {
      const r = await app.get(JobRecordsService).findById(accepted.jobId);
      return r?.state === 'completed' && r;
    });
    expect(record).toMatchObject({
      queue: 'email-sending',
      name: 'send-email',
      progress: 100,
      attemptsMade: 1,
    });
    expect(record.result).toMatchObject({ accepted: ['ada@example.com'] });
  });

  it('does not send again for a job whose message the server already accepted', async () => {
    const before = smtp.received.length;
    const jobId = `mail-${Date.now()}`;
    // As a first attempt that got its 250 before its worker died would have left it:
    await app
      .get<Connection>(getConnectionToken())
      .collection('mail_ledger')
      .insertOne({
        _id: jobId as never,
        state: 'sent',
        messageId: `<${jobId}@click.test>`,
        accepted: ['grace@example.com'],
        updatedAt: new Date(),
      });
    await queues.addEmailJob({ to: 'grace@example.com', template: 'welcome' }, { jobId });
    const done = await finished(jobId);
    expect(done).toMatchObject({ state: 'completed', attemptsMade: 1 });
    expect(done.returnValue).toMatchObject({ messageId: `<${jobId}@click.test>` });
    await new Promise((r) => setTimeout(r, 200));
    expect(smtp.received.length).toBe(before);
  });

  describe('the Redis mark between the 250 and the ledger', () => {
    const ledger = () => app.get<Connection>(getConnectionToken()).collection('mail_ledger');
    const markKey = (jobId: string) => `${app.config.redisPrefix}:mail-sent:${jobId}`;
    // As an attempt leaves it when its worker dies between the server's 250 and the ledger's
    // `sent`: an hour old, so a rerun without the mark would send at once (no in-flight wait).
    const diedAfter250 = async (jobId: string) =>
      ledger().insertOne({
        _id: jobId as never,
        state: 'sending',
        messageId: `<${jobId}@click.test>`,
        accepted: [],
        updatedAt: new Date(Date.now() - 3600_000),
      });

    it('a rerun that finds `sending` and the mark completes the ledger and sends nothing', async () => {
      const jobId = `marked-${Date.now()}`;
      await diedAfter250(jobId);
      await app
        .get<Redis>(REDIS_CLIENT)
        .set(markKey(jobId), JSON.stringify({ messageId: `<${jobId}@click.test>` }), 'EX', 600);
      const attempts = smtp.attempts;
      await queues.addEmailJob({ to: 'hopper@example.com', template: 'welcome' }, { jobId });
      const done = await finished(jobId);
      expect(done).toMatchObject({ state: 'completed', attemptsMade: 1 });
      expect(done.returnValue).toEqual({
        messageId: `<${jobId}@click.test>`,
        accepted: ['hopper@example.com'],
      });
      expect(await ledger().findOne({ _id: jobId as never })).toMatchObject({
        state: 'sent',
        accepted: ['hopper@example.com'],
      });
      // The ledger holds it now: the mark is gone, and no message reached the server.
      expect(await app.get<Redis>(REDIS_CLIENT).exists(markKey(jobId))).toBe(0);
      await new Promise((r) => setTimeout(r, 200));
      expect(smtp.attempts).toBe(attempts);
    });

    it('without the mark (a crash before it reached Redis) the rerun sends, once, with the same Message-ID', async () => {
      const jobId = `unmarked-${Date.now()}`;
      await diedAfter250(jobId);
      const before = smtp.received.length;
      await queues.addEmailJob({ to: 'lovelace@example.com', template: 'welcome' }, { jobId });
      expect(await finished(jobId)).toMatchObject({ state: 'completed', attemptsMade: 1 });
      const [mail] = (await smtp.waitFor(before + 1)).slice(before);
      expect(mail.parsed.messageId).toBe(`<${jobId}@click.test>`);
      expect(smtp.received.length).toBe(before + 1);
    });

    it('a send writes the mark before the ledger hears of the 250, and drops it after', async () => {
      // Our own ledger, watched (not replaced): is the mark in Redis when `sent` is called?
      const mailLedger = app.get(MailLedger);
      const original = mailLedger.sent.bind(mailLedger);
      const markAtSent = new Map<string, { exists: number; ttl: number }>();
      const watch = jest.spyOn(mailLedger, 'sent').mockImplementation(async (entry) => {
        const redis = app.get<Redis>(REDIS_CLIENT);
        markAtSent.set(entry._id, {
          exists: await redis.exists(markKey(entry._id)),
          ttl: await redis.ttl(markKey(entry._id)),
        });
        return original(entry);
      });
      try {
        const { jobId } = await queues.addEmailJob({ to: 'kay@example.com', template: 'welcome' });
        expect(await finished(jobId)).toMatchObject({ state: 'completed' });
        const seen = markAtSent.get(jobId);
        expect(seen?.exists).toBe(1);
        // Days, not seconds: it must outlive any rerun of the job.
        expect(seen?.ttl).toBeGreaterThan(6 * 24 * 3600);
        expect(await ledger().findOne({ _id: jobId as never })).toMatchObject({ state: 'sent' });
        expect(await app.get<Redis>(REDIS_CLIENT).exists(markKey(jobId))).toBe(0);
      } finally {
        watch.mockRestore();
      }
    });
  });

  it('retries a temporary SMTP failure 3 times, then fails', async () => {
    smtp.rejectWith = { code: 421, message: 'Try again later' };
    const accepted = await queues.addEmailJob({
      to: 'tmp@example.com',
      template: 'welcome',
      data: { name: 'T' },
    });
    const done = await finished(accepted.jobId);
    expect(done.state).toBe('failed');
    expect(done.attemptsMade).toBe(3);
    expect(done.failedReason).toMatch(/Try again later/);
  });

  it('fails a permanent SMTP rejection (5xx) at once, without retries', async () => {
    smtp.rejectWith = { code: 550, message: 'Mailbox unavailable' };
    const accepted = await queues.addEmailJob({
      to: 'gone@example.com',
      template: 'welcome',
      data: { name: 'G' },
    });
    const done = await finished(accepted.jobId);
    expect(done.state).toBe('failed');
    expect(done.attemptsMade).toBe(1);
    expect(done.failedReason).toMatch(/Mail rejected: .*Mailbox unavailable/);
  });

  it('refuses an unknown template or an invalid address before anything is written', async () => {
    const bad = () =>
      queues.addEmailJob({ to: 'not-an-address', template: 'newsletter' as 'welcome' });
    await expect(bad()).rejects.toThrow(JobPayloadError);
    await expect(bad()).rejects.toThrow(
      /to must be a valid email address; template must be one of welcome, job-completed, job-failed, post-published/,
    );
    const counts = await queues.getQueueStats(QUEUE_NAMES.EMAIL_SENDING);
    expect(counts.waiting + counts.delayed).toBe(0);
  });

  it('fails a job with an unknown template that reached Redis some other way, at once and with a record', async () => {
    const raw = app.get<Queue>(getQueueToken(QUEUE_NAMES.EMAIL_SENDING));
    const job = await raw.add(
      JOB_NAMES.SEND_EMAIL,
      { to: 'x@example.com', template: 'newsletter' },
      { jobId: 'raw-unknown-template', attempts: 3 },
    );
    const done = await finished(job.id!);
    expect(done.state).toBe('failed');
    expect(done.attemptsMade).toBe(1);
    expect(done.failedReason).toMatch(/Invalid payload: template must be one of/);
    const record = await eventually(() => app.get(JobRecordsService).findById(job.id!));
    expect(record).toMatchObject({ state: 'failed', ownerId: 'system', queue: 'email-sending' });
  });
});

describe('email-sending without SMTP_URL', () => {
  it('writes the message as an .eml file to the outbox folder', async () => {
    const outbox = path.join(os.tmpdir(), uniqueName('outbox'));
    const app = await startTestApp(uniqueName('outbox'), {
      SMTP_URL: undefined,
      MAIL_OUTBOX_DIR: outbox,
    });
    try {
      const queues = app.get(QueuesService);
      const { jobId } = await queues.addEmailJob({
        to: 'eve@example.com',
        template: 'job-failed',
        data: { jobName: 'video', jobId: 'j1', reason: 'bad file' },
      });
      const files = await eventually(async () => {
        const names = await readdir(outbox).catch(() => []);
        return names.length > 0 && names;
      });
      // One file per job, named by it: a retry overwrites it instead of adding another.
      expect(files).toEqual([`${jobId}.eml`]);
      const eml = await readFile(path.join(outbox, files[0]), 'utf8');
      expect(eml).toMatch(/^To: eve@example.com$/m);
      expect(eml).toMatch(/^Subject: Your video job failed$/m);
      expect(eml).toContain('Reason: bad file');
    } finally {
      await dropTestData(app);
      await app.close();
      await rm(outbox, { recursive: true, force: true });
    }
  });
});
