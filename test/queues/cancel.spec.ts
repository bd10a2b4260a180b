import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { JobStateConflictError, QUEUE_NAMES, QueuesService } from '../../src/queues';
import { JobRecordsService } from '../../src/queues/records/job-records.service';
import { AppProcess, spawnApp } from '../support/app-process';
import { chatCompletion, HttpFake } from '../support/fakes/http-fake';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { testEnv, uniqueName } from '../support/test-env';

describe('cancelling jobs', () => {
  const name = uniqueName('cancel');
  let llm: HttpFake;
  let api: TestApp;
  let worker: AppProcess;
  let queues: QueuesService;

  beforeAll(async () => {
    llm = await HttpFake.start();
    llm.on('POST', '/v1/chat/completions', () => 'hold');
    const env = { LLM_BASE_URL: `${llm.url}/v1`, JOB_BACKOFF_DELAY_MS: '50' };
    // The API process cancels; a separate worker process runs the job.
    api = await startTestApp(name, { ...env, APP_ROLE: 'api' });
    worker = await spawnApp(testEnv(name, { ...env, APP_ROLE: 'worker' }));
    queues = api.get(QueuesService);
  });

  afterAll(async () => {
    await worker?.stop();
    await dropTestData(api);
    await api.close();
    await llm.stop();
  });

  const status = (jobId: string) => queues.getJobStatus(QUEUE_NAMES.CONTENT_GENERATION, jobId);

  it('cancels an active job running in another process: the work stops and the job ends cancelled, not retried', async () => {
    const job = await queues.addContentGenerationJob({
      text: 'Long running.',
      user: { _id: 'u1' },
      platforms: ['linkedin'],
    });
    await eventually(
      async () => (await status(job.jobId)).state === 'active' && llm.inFlight === 1,
      15_000,
      'job active with its LLM call open',
    );

    const outcome = await queues.cancelJob(QUEUE_NAMES.CONTENT_GENERATION, job.jobId);
    expect(outcome).toEqual({ state: 'cancelled' });
    // The worker's AbortSignal aborted the in-flight HTTP request.
    await eventually(() => llm.clientAborts === 1, undefined, 'the LLM request to be aborted');

    const cancelled = await status(job.jobId);
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.attemptsMade).toBe(1);
    expect(cancelled.failedReason).toMatch(/^Cancelled: /);
    const record = await eventually(async () => {
      const r = await api.get(JobRecordsService).findById(job.jobId);
      return r?.state === 'cancelled' && r;
    });
    expect(record.finishedAt).toBeInstanceOf(Date);
    // No retry follows: still one request after the backoff would have passed.
    await new Promise((r) => setTimeout(r, 500));
    expect(
      llm.requests.filter((r) => JSON.stringify(r.body).includes('Long running.')),
    ).toHaveLength(1);
    await expect(queues.cancelJob(QUEUE_NAMES.CONTENT_GENERATION, job.jobId)).rejects.toThrow(
      JobStateConflictError,
    );
  });

  it('removes a waiting job from Redis and records it cancelled; retry queues it again', async () => {
    // Delayed, so no worker picks it up while the test looks at it.
    const job = await queues.addEmailJob(
      { to: 'later@example.com', template: 'welcome', userId: 'u2' },
      { delay: 60_000 },
    );
    expect((await status2(job.jobId)).state).toBe('delayed');

    expect(await queues.cancelJob(QUEUE_NAMES.EMAIL_SENDING, job.jobId)).toEqual({
      state: 'cancelled',
    });
    const emailQueue = api.get<Queue>(getQueueToken(QUEUE_NAMES.EMAIL_SENDING));
    expect(await emailQueue.getJob(job.jobId)).toBeUndefined();
    expect(await status2(job.jobId)).toMatchObject({
      state: 'cancelled',
      failedReason: 'Cancelled: cancelled on request',
    });
    await expect(queues.cancelJob(QUEUE_NAMES.EMAIL_SENDING, job.jobId)).rejects.toThrow(
      'is cancelled; it cannot be cancelled',
    );

    // Its time is still ahead: queued again for that time, not at once.
    const retried = await queues.retryJob(QUEUE_NAMES.EMAIL_SENDING, job.jobId);
    expect(retried).toMatchObject({ jobId: job.jobId, state: 'delayed', runAt: job.runAt });
    expect(await emailQueue.getJob(job.jobId)).toBeDefined();
    expect(await status2(job.jobId)).toMatchObject({
      state: 'delayed',
      timestamps: expect.objectContaining({ runAt: job.runAt!.toISOString() }),
    });
  });

  it('refuses to cancel a finished job and to retry one that did not fail', async () => {
    llm.on('POST', '/v1/chat/completions', () => chatCompletion({ text: 'Done.', hashtags: [] }));
    const job = await queues.addContentGenerationJob({
      text: 'Quick.',
      user: { _id: 'u1' },
      platforms: ['facebook'],
    });
    await eventually(async () => (await status(job.jobId)).state === 'completed', 15_000);
    await expect(queues.cancelJob(QUEUE_NAMES.CONTENT_GENERATION, job.jobId)).rejects.toThrow(
      new JobStateConflictError(job.jobId, 'completed', 'cancelled'),
    );
    await expect(queues.retryJob(QUEUE_NAMES.CONTENT_GENERATION, job.jobId)).rejects.toThrow(
      'is completed; it cannot be retried',
    );
  });

  const status2 = (jobId: string) => queues.getJobStatus(QUEUE_NAMES.EMAIL_SENDING, jobId);
});
