import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { ApiClient, Session } from '../support/api-client';
import { FakeSmtp } from '../support/fakes/smtp';
import { RedisLink } from '../support/redis-link';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { testConfig, uniqueName } from '../support/test-env';

interface Listed {
  id: string;
  state: string;
}

/**
 * The last step of a submission is BullMQ's add. Its job is listed and its intent is in MongoDB
 * by then, so an add that Redis did not answer (a connection lost on the way: the master may
 * have run it and died before replying) is accepted — the reconciler queues the job from its
 * intent if Redis does not have it — while an add Redis refused is taken back: 503, and nothing
 * runs it later. Before, both answered 503, and on a failover the first kind ran anyway.
 */
describe('a submission whose add Redis did not answer, or refused', () => {
  const name = uniqueName('lostreply');
  let smtp: FakeSmtp;
  let link: RedisLink;
  let app: TestApp;
  let api: ApiClient;
  let ada: Session;

  beforeAll(async () => {
    smtp = await FakeSmtp.start();
    const redis = testConfig(name).redis;
    link = await RedisLink.start({ host: redis.host, port: redis.port });
    app = await startTestApp(name, {
      REDIS_URL: link.url,
      REDIS_HOST: undefined,
      REDIS_PORT: undefined,
      REDIS_CLUSTER_NODES: undefined,
      REDIS_SENTINELS: undefined,
      SMTP_URL: smtp.url,
      JOB_RECONCILE_GRACE_MS: '1000',
      JOB_RECONCILE_INTERVAL_MS: '1000',
    });
    api = new ApiClient(app.app);
    ada = await api.register('Ada');
  });

  afterAll(async () => {
    link.restore();
    await dropTestData(app);
    await app.close();
    await link.close();
    await smtp.stop();
  });

  const listed = async (): Promise<Listed[]> => {
    const res = await api.call('get', '/jobs/user?queue=content-generation&limit=100', ada.token);
    expect(res.status).toBe(200);
    return res.body.items as Listed[];
  };
  const submit = (text: string) =>
    api.call('post', '/content/generate', ada.token).send({ text, platforms: ['twitter'] });

  it('accepts the job when the queue connection is lost, and it runs once Redis answers', async () => {
    link.cut('click-api:queue');
    const res = await submit('Written while the queue connection was down.');
    link.restore();
    expect(res.status).toBe(202);
    const { jobId } = res.body as { jobId: string };

    await eventually(
      async () => {
        const jobs = await listed();
        const mine = jobs.filter((job) => job.id === jobId);
        if (mine.length === 1 && mine[0].state === 'completed') return true;
        throw new Error(`listed: ${JSON.stringify(mine)}`);
      },
      60_000,
      'the accepted job completed',
    );
    expect((await listed()).filter((job) => job.id === jobId)).toHaveLength(1);
  });

  it('answers 503 when Redis refuses the add, and leaves nothing that runs it later', async () => {
    const before = (await listed()).map((job) => job.id);
    const text = `Refused by a demoted master ${name}.`;
    link.refuseNext(text, "READONLY You can't write against a read only replica.");
    const res = await submit(text);
    expect(res.status).toBe(503);

    // No intent for the reconciler (or an index rebuild) to queue it from, and no listing.
    const intents = app.get<Connection>(getConnectionToken()).collection('job_intents');
    expect(await intents.countDocuments({ 'data.text': text })).toBe(0);
    // Several reconciler passes later, still only the jobs made before.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect((await listed()).map((job) => job.id)).toEqual(before);
  });
});
