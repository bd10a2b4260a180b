import { execFileSync } from 'node:child_process';
import { JobKernel, QueuesService } from '../../src/queues';
import { JobPayloadError } from '../../src/queues/contracts/job-errors';
import { Metrics } from '../../src/infra/metrics/metrics';
import { ApiClient, Session } from '../support/api-client';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { uniqueName } from '../support/test-env';
import { HangQueueModule } from '../fixtures/hang-queue/hang.module';
import { NapQueueModule } from '../fixtures/nap-queue/nap.module';

/** Command lines of the running processes that name `marker` (pgrep -f), none: []. */
function processesNaming(marker: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', marker], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line && !line.includes('pgrep'));
  } catch {
    return [];
  }
}

/**
 * Run timeouts: a job running past its queue's QUEUE_<NAME>_TIMEOUT_MS (or its own timeoutMs) is
 * stopped through its AbortSignal — the real ffmpeg child it started is killed — and the attempt
 * counts as failed: retried per the queue's policy, then failed with the reason its owner sees.
 */
describe('run timeouts', () => {
  let app: TestApp;
  let api: ApiClient;
  let queues: QueuesService;
  let owner: Session;

  beforeAll(async () => {
    app = await startTestApp(
      uniqueName('timeout'),
      { JOB_BACKOFF_DELAY_MS: '200', THROTTLE_LIMIT: '100000' },
      { extraModules: [HangQueueModule, NapQueueModule] },
    );
    api = new ApiClient(app.app);
    queues = app.get(QueuesService);
    owner = await api.register('Hedy');
  });

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
  });

  const detail = async (jobId: string) =>
    (await api.call('get', `/jobs/user/${jobId}`, owner.token).expect(200)).body as {
      state: string;
      failedReason?: string;
      attemptsMade: number;
    };

  it('stops a hung ffmpeg at the timeout, retries, then fails with the reason', async () => {
    const { jobId } = await queues.addJob('hangs', {
      name: 'hang',
      data: { userId: owner.user.id },
    });
    // The first attempt's ffmpeg really runs…
    await eventually(
      () => processesNaming(`hang-${jobId}-1`).length === 1,
      20_000,
      'first ffmpeg running',
    );
    // …and so does the second, after the first was stopped.
    await eventually(
      () => processesNaming(`hang-${jobId}-2`).length === 1,
      20_000,
      'second ffmpeg running',
    );
    expect(processesNaming(`hang-${jobId}-1`)).toEqual([]);
    await eventually(async () => (await detail(jobId)).state === 'failed', 20_000, 'job failed');
    expect(await detail(jobId)).toMatchObject({
      state: 'failed',
      failedReason: 'ran longer than 1.5 s',
      attemptsMade: 2,
    });
    // No child outlives its run.
    expect(processesNaming(`hang-${jobId}-`)).toEqual([]);
    const metrics = await app.get(Metrics).registry.metrics();
    expect(metrics).toMatch(/click_jobs_timed_out_total\{queue="hangs"\} 2\b/);
  });

  it("takes a job's own timeout over its queue's, and runs a job within it normally", async () => {
    const slow = await queues.addJob(
      'naps',
      { name: 'nap', data: { ms: 20_000, userId: owner.user.id } },
      { timeoutMs: 1000 },
    );
    const quick = await queues.addJob(
      'naps',
      { name: 'nap', data: { ms: 300, userId: owner.user.id } },
      { timeoutMs: 10_000 },
    );
    await eventually(
      async () => (await detail(slow.jobId)).state === 'failed',
      20_000,
      'slow nap failed',
    );
    expect((await detail(slow.jobId)).failedReason).toBe('ran longer than 1 s');
    await eventually(
      async () => (await detail(quick.jobId)).state === 'completed',
      20_000,
      'quick nap completed',
    );
  });

  it('refuses a timeout out of bounds, naming it', async () => {
    for (const timeoutMs of [10, 1.5e3 + 0.5, 7 * 3_600_000]) {
      const add = app
        .get(JobKernel)
        .add('naps', 'nap', { ms: 1, userId: owner.user.id }, { timeoutMs });
      await expect(add).rejects.toThrow(JobPayloadError);
      await expect(add).rejects.toThrow(/timeoutMs must be a whole number of milliseconds/);
    }
  });
});
