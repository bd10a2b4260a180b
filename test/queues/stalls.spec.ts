import { QueuesService } from '../../src/queues';
import { chatCompletion, HttpFake, RecordedRequest } from '../support/fakes/http-fake';
import { AppProcess, spawnApp } from '../support/app-process';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { testEnv, uniqueName } from '../support/test-env';

const ok = chatCompletion({ text: 'Survived.' });

/**
 * Worker processes killed with SIGKILL while their jobs run: the jobs run again on the next
 * worker without spending attempts, up to JOB_MAX_STALLS times (BullMQ alone fails a job the
 * second time); a job that takes down every worker it touches is failed, saying so.
 */
describe('jobs whose worker died', () => {
  const name = uniqueName('stalls');
  let llm: HttpFake;
  let api: TestApp;
  let worker: AppProcess | undefined;
  const env = () => ({
    LLM_BASE_URL: `${llm.url}/v1`,
    LLM_API_KEY: 'sk-test',
    JOB_MAX_STALLS: '2',
    JOB_LOCK_DURATION_MS: '2000',
    JOB_STALLED_CHECK_MS: '1000',
  });
  const asked = (text: string) =>
    llm.requests.filter((r: RecordedRequest) => JSON.stringify(r.body).includes(text)).length;

  beforeAll(async () => {
    llm = await HttpFake.start();
    // The survivor is answered on its third run; the other job never is.
    llm.on('POST', '/v1/chat/completions', (req) =>
      JSON.stringify(req.body).includes('survivor') && asked('survivor') >= 3 ? ok : 'hold',
    );
    api = await startTestApp(name, { ...env(), APP_ROLE: 'api' });
  });

  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await dropTestData(api);
    await api.close();
    await llm.stop();
  });

  it('runs a job again after each kill -9, and fails one that kills every worker', async () => {
    const queues = api.get(QueuesService);
    const submit = async (text: string) =>
      (
        await queues.addContentGenerationJob({
          text,
          user: { _id: 'u-stalls' },
          platforms: ['twitter'],
        })
      ).jobId;
    const survivor = await submit('survivor');
    const doomed = await submit('doomed');
    const status = (id: string) => queues.getJobStatus('content-generation', id);

    for (let run = 1; run <= 3; run++) {
      worker = await spawnApp(testEnv(name, { ...env(), APP_ROLE: 'worker' }));
      await eventually(() => asked('doomed') >= run, 30_000, `the doomed job's run ${run}`);
      if (run < 3) {
        await eventually(() => asked('survivor') >= run, 30_000, `the survivor's run ${run}`);
      } else {
        const done = await eventually(async () => {
          const s = await status(survivor);
          return s.state === 'completed' && s;
        }, 30_000);
        // Two kills cost it nothing: one attempt, the one that succeeded.
        expect(done.attemptsMade).toBe(1);
      }
      await worker.stop('SIGKILL');
    }

    // The doomed job has now lost three workers; the next one's stalled check fails it.
    worker = await spawnApp(testEnv(name, { ...env(), APP_ROLE: 'worker' }));
    const failed = await eventually(async () => {
      const s = await status(doomed);
      return s.state === 'failed' && s;
    }, 30_000);
    expect(failed.failedReason).toMatch(/stalled more than allowable limit: its worker stopped/);
    expect(failed.failedReason).toContain('JOB_MAX_STALLS');
    expect(asked('doomed')).toBe(3);
  });
});
