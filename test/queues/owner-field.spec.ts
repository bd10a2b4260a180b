import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { QUEUE_NAMES, QueuesService } from '../../src/queues';
import { JobRecordsService } from '../../src/queues/records/job-records.service';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { uniqueName } from '../support/test-env';

/** Payloads name their owner `userId`; the seed's `user: { _id }` is accepted and converted. */
describe('one owner field', () => {
  let app: TestApp;
  let queues: QueuesService;

  beforeAll(async () => {
    app = await startTestApp(uniqueName('owner'), { LLM_BASE_URL: undefined });
    queues = app.get(QueuesService);
  });

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
  });

  const completed = (jobId: string) =>
    eventually(async () => {
      const status = await queues.getJobStatus(QUEUE_NAMES.CONTENT_GENERATION, jobId);
      return status.state === 'completed' && status;
    }, 15_000);

  it('stores the seed-shaped owner as userId', async () => {
    const job = await queues.addContentGenerationJob({
      text: 'Owners are named one way.',
      user: { _id: 'seed-owner', email: 'seed@example.com' },
      platforms: ['twitter'],
    });
    const done = await completed(job.jobId);
    expect(done.ownerId).toBe('seed-owner');
    expect(done.data).toEqual(
      expect.objectContaining({ userId: 'seed-owner', text: 'Owners are named one way.' }),
    );
    expect(done.data).not.toHaveProperty('user');
  });

  it('runs a job queued by the previous version with user: { _id } and credits its owner', async () => {
    const raw = app.get<Queue>(getQueueToken(QUEUE_NAMES.CONTENT_GENERATION));
    await raw.add(
      'generate-content',
      { text: 'Queued before the change.', user: { _id: 'legacy-owner' }, platforms: ['twitter'] },
      { jobId: 'legacy-owner-job-1', attempts: 1 },
    );
    const done = await completed('legacy-owner-job-1');
    expect(done.ownerId).toBe('legacy-owner');
    const records = app.get(JobRecordsService);
    const record = await eventually(async () => {
      await records.flush();
      return records.findById('legacy-owner-job-1');
    });
    expect(record).toEqual(
      expect.objectContaining({ ownerId: 'legacy-owner', state: 'completed' }),
    );
  });
});
