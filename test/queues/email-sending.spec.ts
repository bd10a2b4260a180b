import { getQueueToken } from '@nestjs/bullmq';
import { getConnectionToken } from '@nestjs/mongoose';
import type { Queue } from 'bullmq';
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
