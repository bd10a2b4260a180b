import type Redis from 'ioredis';
import { REDIS_CLIENT } from '../../src/infra/redis/redis.module';
import { jobEventsStream, QueuesService } from '../../src/queues';
import type { JobEvent } from '../../src/queues';
import { ThrowawayQueueModule } from '../fixtures/throwaway-queue/throwaway.module';
import { OwnedServer } from '../support/servers';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { uniqueName } from '../support/test-env';

/**
 * A Redis that restarts without its data takes the last job events with it, including endings no
 * API process had read yet (seen in the chaos suite: a completed job whose owner was never told).
 * The worker that sent an ending in the last seconds sends it again once Redis is back; readers
 * drop the repeat (same job, type and end time).
 */
describe('job endings sent just before Redis lost its data', () => {
  let redis: OwnedServer;
  let app: TestApp;

  beforeAll(async () => {
    redis = await OwnedServer.redis();
    app = await startTestApp(
      uniqueName('endings'),
      { APP_ROLE: 'worker', REDIS_URL: `redis://127.0.0.1:${redis.port}` },
      { extraModules: [ThrowawayQueueModule] },
    );
  });

  afterAll(async () => {
    await dropTestData(app).catch(() => undefined);
    await app.close();
    await redis.dispose();
  });

  const endingsIn = async (stream: string, jobId: string): Promise<JobEvent[]> => {
    const entries = await app.get<Redis>(REDIS_CLIENT).xrange(stream, '-', '+');
    return entries
      .flatMap(([, fields]) => JSON.parse(fields[1]) as JobEvent[])
      .filter((e) => e.jobId === jobId && e.type === 'job:completed');
  };

  it('are on the event stream again, unchanged, once Redis is back', async () => {
    const stream = jobEventsStream(app.config.redisPrefix);
    const job = await app.get(QueuesService).addJob('throwaway', {
      name: 'ping',
      data: { message: 'before the loss' },
    });
    const [sent] = await eventually(async () => {
      const found = await endingsIn(stream, job.jobId);
      return found.length > 0 && found;
    }, 15_000);
    expect(sent.finishedAt).toEqual(expect.any(String));

    await redis.stop();
    await redis.start(); // no persistence: it comes back empty
    const [again] = await eventually(async () => {
      const found = await endingsIn(stream, job.jobId).catch(() => []);
      return found.length > 0 && found;
    }, 15_000);
    expect(again).toEqual(sent);
  });
});
