import { randomBytes } from 'node:crypto';
import { JobRecordsService, QueueRegistry } from '../../src/queues';
import { ApiClient } from '../support/api-client';
import { AppProcess, scrapedCounter, spawnApp } from '../support/app-process';
import { chatCompletion, HttpFake } from '../support/fakes/http-fake';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { testEnv, uniqueName } from '../support/test-env';

interface ListedJob {
  id: string;
  state: string;
  failedReason?: string;
}

/**
 * Each API process answers job lists from its own copy of finished jobs' records that Redis no
 * longer holds (FinishedRecords), and a change to such a record made anywhere — here an admin's
 * retry in another process — reaches every copy at once: the second API process (a real
 * `node dist/main.js`) is asked right after the retry's call returned, with no wait.
 */
describe('a change to a finished job reaches every API process’s job list at once', () => {
  const name = uniqueName('records');
  let llm: HttpFake;
  let app: TestApp;
  let api: ApiClient;
  let other: AppProcess;

  beforeAll(async () => {
    llm = await HttpFake.start();
    const env = testEnv(name, {
      JWT_SECRET: randomBytes(32).toString('hex'),
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      ADMIN_EMAIL: 'root@click.test',
      ADMIN_PASSWORD: 'root-password',
      LLM_BASE_URL: `${llm.url}/v1`,
      LLM_API_KEY: 'sk-test',
    });
    app = await startTestApp(name, env);
    api = new ApiClient(app.app);
    other = await spawnApp({ ...env, APP_ROLE: 'api' });
  });

  afterAll(async () => {
    await other?.stop();
    await dropTestData(app);
    await app.close();
    await llm.stop();
  });

  /** How many listed jobs the other process answered from its copy of their records. */
  const copyHits = () => scrapedCounter(other, 'click_job_record_copies_total{outcome="hit"}');

  /** The user's job list as the other process answers it. */
  const listedThere = async (token: string): Promise<ListedJob[]> => {
    const res = await fetch(`${other.url}/api/jobs/user`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: ListedJob[] }).items;
  };

  /** What retention does to a finished job: BullMQ drops it from Redis, its record stays. */
  const dropFromRedis = async (jobId: string) => {
    const queue = await app.get(QueueRegistry).use('content-generation');
    expect(await queue.remove(jobId)).toBe(1);
  };

  /** A job's record is written behind its end (batched): Redis may drop it once MongoDB has it. */
  const recorded = (jobId: string, state: string) =>
    eventually(async () => (await app.get(JobRecordsService).findById(jobId))?.state === state);

  it('shows an admin’s retry of a job Redis no longer holds in the other process on the very next request', async () => {
    llm.on('POST', '/v1/chat/completions', () => ({
      status: 400,
      body: { error: { message: 'model not found' } },
    }));
    const ada = await api.register('Ada');
    const submitted = await api
      .call('post', '/content/generate', ada.token)
      .send({ text: 'A paragraph to turn into a post.', platforms: ['twitter'] })
      .expect(202);
    const jobId = (submitted.body as { jobId: string }).jobId;
    await eventually(async () => {
      const res = await api.call('get', `/jobs/user/${jobId}`, ada.token);
      return (res.body as ListedJob).state === 'failed';
    });
    await recorded(jobId, 'failed');
    await dropFromRedis(jobId);

    // The other process lists it from its copy (its counter of copy hits says so).
    const hitsBefore = await copyHits();
    await eventually(
      async () => {
        const [job] = await listedThere(ada.token);
        expect(job).toMatchObject({ id: jobId, state: 'failed' });
        return (await copyHits()) > hitsBefore;
      },
      10_000,
      'the other process answering from its copy',
    );

    llm.on('POST', '/v1/chat/completions', () => chatCompletion({ text: 'A post.' }));
    const admin = await api.login('root@click.test', 'root-password');
    await api.call('post', `/jobs/retry/content-generation/${jobId}`, admin.token).expect(200);
    const [retried] = await listedThere(ada.token);
    expect(retried.id).toBe(jobId);
    expect(retried.state).not.toBe('failed');
    expect(retried.failedReason).toBeUndefined();

    // It runs again and completes; once Redis drops it again, its new record is what both list.
    await eventually(async () => (await listedThere(ada.token))[0].state === 'completed');
    await recorded(jobId, 'completed');
    await dropFromRedis(jobId);
    expect((await listedThere(ada.token))[0]).toMatchObject({ id: jobId, state: 'completed' });
    const [here] = (await api.call('get', '/jobs/user', ada.token).expect(200)).body
      .items as ListedJob[];
    expect(here).toMatchObject({ id: jobId, state: 'completed' });
  });
});
