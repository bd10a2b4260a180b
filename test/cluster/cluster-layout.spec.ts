import { BUILT_IN_QUEUES } from '../../src/queues/contracts/queue-names';
import { QueueRegistry, QueuesService } from '../../src/queues';
import type { Cluster } from 'ioredis';
import { JobRecordsService } from '../../src/queues/records/job-records.service';
import {
  dropTestData,
  eventually,
  keysMatching,
  startTestApp,
  TestApp,
  testRedis,
} from '../support/test-app';
import { uniqueName } from '../support/test-env';

/**
 * Runs in the `cluster` project only (6-node Redis Cluster): where the keys really land. Each
 * queue's keys share one slot, the six queues spread over the three masters, and every product
 * key shares the product's one slot.
 */
describe('key layout on a Redis Cluster', () => {
  let app: TestApp;
  let redis: Cluster;

  beforeAll(async () => {
    app = await startTestApp(uniqueName('layout'));
    redis = testRedis(app.config) as Cluster;
  });

  afterAll(async () => {
    redis?.disconnect();
    await dropTestData(app);
    await app.close();
  });

  const slotOf = async (key: string) => Number(await redis.cluster('KEYSLOT', key));
  const masterOf = (slot: number) => redis.slots[slot][0];

  it('keeps each queue in one slot, spreads the six over three masters, and the product in one slot', async () => {
    expect(app.config.redis.topology).toBe('cluster');
    const prefix = app.config.redisPrefix;
    const job = await app.get(QueuesService).addContentGenerationJob({
      text: 'Clusters spread queues. Tags keep them whole.',
      user: { _id: 'owner-layout' },
      platforms: ['twitter'],
    });
    const records = app.get(JobRecordsService);
    await eventually(
      async () => (await records.findById(job.jobId))?.state === 'completed',
      15_000,
      'job completed',
    );
    const registry = app.get(QueueRegistry);
    const queueSlots = new Map<string, number>();
    for (const name of BUILT_IN_QUEUES) {
      const queue = await registry.use(name);
      queueSlots.set(name, await slotOf(queue.keys.wait));
    }
    // Three masters share the six queues (the tags {<queue>} hash the same for every prefix).
    expect(new Set([...queueSlots.values()].map(masterOf)).size).toBe(3);

    const queueKeys = await keysMatching(redis, `${prefix}:{*`);
    const productKeys = await keysMatching(redis, `{${prefix}}:*`);
    expect(queueKeys.some((key) => key.includes(job.jobId))).toBe(true);
    expect(productKeys.some((key) => key.endsWith(':idx:jobs:all'))).toBe(true);
    for (const key of queueKeys) {
      const queue = /^[^:]+:\{([^}]+)\}:/.exec(key)?.[1] ?? '';
      const expected = queueSlots.get(queue) ?? (await slotOf(`{${queue}}`));
      expect([key, await slotOf(key)]).toEqual([key, expected]);
    }
    const productSlot = await slotOf(`{${prefix}}`);
    for (const key of productKeys) expect([key, await slotOf(key)]).toEqual([key, productSlot]);
    // Nothing of this deployment outside the two layouts.
    const all = await keysMatching(redis, `*${prefix}*`);
    expect(all.sort()).toEqual([...queueKeys, ...productKeys].sort());
  });
});
