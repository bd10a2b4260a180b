import { QueuesService } from '../../src/queues';
import { chatCompletion, HttpFake } from '../support/fakes/http-fake';
import { AppProcess, spawnApp } from '../support/app-process';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { testEnv, uniqueName } from '../support/test-env';

const reply = chatCompletion({ text: 'Made after all.' });

/**
 * SIGTERM with a job running longer than SHUTDOWN_TIMEOUT_MS: the process stops it when the time
 * is up and exits; the job goes back to its queue with its attempt unspent, and runs to the end on
 * the next worker.
 */
describe('shutdown with a job still running', () => {
  const name = uniqueName('shutdown');
  let llm: HttpFake;
  let api: TestApp;
  let worker: AppProcess | undefined;
  const env = () => ({ LLM_BASE_URL: `${llm.url}/v1`, LLM_API_KEY: 'sk-test' });

  beforeAll(async () => {
    llm = await HttpFake.start();
    api = await startTestApp(name, { ...env(), APP_ROLE: 'api' });
  });

  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await dropTestData(api);
    await api.close();
    await llm.stop();
  });

  it('stops it after SHUTDOWN_TIMEOUT_MS, exits 0, and the next worker runs it', async () => {
    // The provider never answers while the first worker lives.
    llm.on('POST', '/v1/chat/completions', () => 'hold');
    worker = await spawnApp(
      testEnv(name, { ...env(), APP_ROLE: 'worker', SHUTDOWN_TIMEOUT_MS: '1000' }),
    );
    const queues = api.get(QueuesService);
    const { jobId } = await queues.addContentGenerationJob({
      text: 'Source',
      user: { _id: 'u-shutdown' },
      platforms: ['twitter'],
    });
    await eventually(() => llm.held.length > 0, 15_000, 'the job waiting on the provider');

    const asked = Date.now();
    const code = await worker.stop('SIGTERM');
    const tookMs = Date.now() - asked;
    expect(code).toBe(0);
    expect(tookMs).toBeGreaterThanOrEqual(1000);
    // Not held by the call that never answers (it would time out only after LLM_TIMEOUT_MS, 60 s);
    // the margin is for closing connections on a loaded machine.
    expect(tookMs).toBeLessThan(20_000);
    expect(worker.output()).toContain('stopping them (they will run again)');
    // Handed back, not failed, and the attempt was not spent on the shutdown.
    const handedBack = await queues.getJobStatus('content-generation', jobId);
    expect(['waiting', 'delayed']).toContain(handedBack.state);
    expect(handedBack.attemptsMade).toBe(0);

    llm.on('POST', '/v1/chat/completions', () => reply);
    const next = await startTestApp(name, { ...env(), APP_ROLE: 'worker' });
    try {
      const done = await eventually(async () => {
        const s = await queues.getJobStatus('content-generation', jobId);
        return s.state === 'completed' && s;
      });
      expect(done.attemptsMade).toBe(1);
    } finally {
      await next.close();
    }
  });
});
