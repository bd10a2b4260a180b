import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { ApiClient } from '../support/api-client';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { redisCluster as cluster, redisSentinel as sentinel } from '../support/redis-scripts';
import { uniqueName } from '../support/test-env';

interface Topology {
  name: string;
  base: number;
  up(): void;
  down(): void;
  env(): Record<string, string | undefined>;
  /** kill -9 of the master holding `key`; resolves once a replica has taken over. */
  killMasterOf(key: string): Promise<string>;
}

const SINGLE_NODE = { REDIS_URL: undefined, REDIS_HOST: undefined, REDIS_PORT: undefined };

const CLUSTER: Topology = {
  name: 'a Redis Cluster (3 masters, 3 replicas)',
  base: 7400,
  up: () => cluster.up(7400),
  down: () => cluster.down(7400),
  env: () => ({
    ...SINGLE_NODE,
    REDIS_SENTINELS: undefined,
    REDIS_CLUSTER_NODES: '127.0.0.1:7400,127.0.0.1:7401,127.0.0.1:7402',
  }),
  async killMasterOf(key) {
    const port = cluster.masterOf(7400, key);
    cluster.kill(7400, port);
    // A replica is promoted once the others mark the master failed (node timeout 3 s).
    await eventually(() => cluster.tookOver(7400, port), 60_000, 'replica promoted');
    return `master 127.0.0.1:${port}`;
  },
};

const SENTINEL: Topology = {
  name: 'Sentinel (1 master, 1 replica, 3 sentinels)',
  base: 7300,
  up: () => sentinel.up(7300),
  down: () => sentinel.down(7300),
  env: () => ({
    ...SINGLE_NODE,
    REDIS_CLUSTER_NODES: undefined,
    REDIS_SENTINELS: '127.0.0.1:7302,127.0.0.1:7303,127.0.0.1:7304',
    REDIS_SENTINEL_NAME: 'click',
  }),
  async killMasterOf() {
    const before = sentinel.masterAddress(7300);
    sentinel.kill(7300, Number(before.split(':')[1]));
    await eventually(
      () => sentinel.masterAddress(7300) !== before,
      60_000,
      'sentinels failed over',
    );
    return `master ${before}`;
  },
};

/**
 * A master killed (kill -9) while users submit work: its replica takes over, and every job the
 * API accepted (202) runs to completion — including any whose last writes the old master had
 * acknowledged but not yet replicated (the reconciler queues them again from MongoDB). While no
 * master answers, submissions get 503, never 500.
 */
describe.each([SENTINEL, CLUSTER])('a master killed under load, on $name', (topology) => {
  let app: TestApp;
  let api: ApiClient;

  beforeAll(async () => {
    topology.up();
    app = await startTestApp(
      uniqueName('failover'),
      {
        ...topology.env(),
        JOB_RECONCILE_INTERVAL_MS: '1000',
        // The test polls the listing; the throttle is not what it measures. Nor is the queue's
        // rate limit (20 a minute would leave the last of ~40 jobs waiting past the test's wait).
        THROTTLE_LIMIT: '1000000',
        QUEUE_CONTENT_GENERATION_RATE_MAX: '100000',
        JOB_RECONCILE_GRACE_MS: '2000',
      },
      { listen: true },
    );
    api = new ApiClient(app.app);
  }, 120_000);

  afterAll(async () => {
    await dropTestData(app).catch(() => undefined);
    await app.close();
    topology.down();
  });

  it('completes every accepted job once, answers 503 (not 500) while no master answers', async () => {
    const ada = await api.register('Ada');
    const statuses: number[] = [];
    const accepted: string[] = [];
    let stop = false;
    let refused = '';
    const submit = async () => {
      for (let i = 0; !stop; i++) {
        const res = await api
          .call('post', '/content/generate', ada.token)
          .send({ text: `Post number ${i}. Failover keeps it.`, platforms: ['twitter'] });
        statuses.push(res.status);
        if (res.status === 202) accepted.push((res.body as { jobId: string }).jobId);
        else refused = JSON.stringify(res.body);
        if (accepted.length >= 90) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const load = Promise.all([submit(), submit()]);
    await eventually(() => accepted.length >= 20, 30_000, '20 jobs accepted');
    const queueKey = `${app.config.redisKeys.bullPrefix('content-generation')}:content-generation:wait`;
    await topology.killMasterOf(queueKey);
    const acceptedAtKill = accepted.length;
    // Submissions succeed again on the new master.
    await eventually(
      () => {
        if (accepted.length >= acceptedAtKill + 20) return true;
        throw new Error(`last refusal: ${refused}`);
      },
      60_000,
      '20 more accepted',
    );
    stop = true;
    await load;

    expect(statuses.filter((s) => s !== 202 && s !== 503)).toEqual([]);
    await eventually(
      async () => {
        const res = await api.call(
          'get',
          '/jobs/user?queue=content-generation&limit=100',
          ada.token,
        );
        if (res.status !== 200)
          throw new Error(`listing ${res.status}: ${JSON.stringify(res.body)}`);
        const states = new Map(
          ((res.body.items as { id: string; state: string }[]) ?? []).map((j) => [j.id, j.state]),
        );
        const behind = accepted.filter((id) => states.get(id) !== 'completed');
        if (!behind.length) return true;
        // Which ones, in what state the owner sees them and BullMQ holds them (for the failure
        // message).
        const queue = app.get<Queue>(getQueueToken('content-generation'));
        const seen = await Promise.all(
          behind
            .slice(0, 5)
            .map(
              async (id) =>
                `${id} ${states.get(id) ?? 'not listed'} (in Redis: ${await queue.getJobState(id).catch((e: Error) => e.message)})`,
            ),
        );
        throw new Error(`${behind.length} of ${accepted.length} not completed: ${seen.join(', ')}`);
      },
      90_000,
      'every accepted job completed',
    );
    // Once each: one completed record per accepted job, no extra job made.
    const listed = await api.call(
      'get',
      '/jobs/user?queue=content-generation&limit=100',
      ada.token,
    );
    const ids = (listed.body.items as { id: string }[]).map((j) => j.id).sort();
    expect(ids).toEqual([...accepted].sort());
  }, 240_000);
});
