import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import type { Connection } from 'mongoose';
import { getConnectionToken } from '@nestjs/mongoose';
import { DerivedIndexes } from '../../src/infra/derived-index/derived-indexes.service';
import { QUEUE_NAMES } from '../../src/queues';
import { JobReconciler } from '../../src/queues/kernel/job-reconciler.service';
import { ApiClient } from '../support/api-client';
import {
  deleteRedisPrefix,
  dropTestData,
  startTestApp,
  TestApp,
  testRedis,
} from '../support/test-app';
import { uniqueName } from '../support/test-env';

/**
 * Redis comes back with none of its data (restarted without persistence, a disk lost): every job
 * the API had accepted and that had not finished is queued again, from the intent written before
 * its Redis add, under its own id, and its owner sees it listed again.
 */
describe('a Redis that lost all its data', () => {
  let app: TestApp;
  let api: ApiClient;

  beforeAll(async () => {
    app = await startTestApp(
      uniqueName('redisloss'),
      { APP_ROLE: 'api', JOB_RECONCILE_GRACE_MS: '0', JOB_RECONCILE_INTERVAL_MS: '3600000' },
      { listen: true },
    );
    api = new ApiClient(app.app);
  });

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
  });

  it('queues every accepted, unfinished job again and lists it for its owner', async () => {
    const ada = await api.register('Ada');
    const ids: string[] = [];
    for (const text of ['first.', 'second.', 'third.']) {
      const res = await api
        .call('post', '/content/generate', ada.token)
        .send({ text, platforms: ['twitter'] })
        .expect(202);
      ids.push((res.body as { jobId: string }).jobId);
    }
    const content = app.get<Queue>(getQueueToken(QUEUE_NAMES.CONTENT_GENERATION));
    expect(await content.getJob(ids[0])).toBeDefined();

    // Everything under the prefix: the jobs, BullMQ's lists, the indexes and their epochs.
    await deleteRedisPrefix(app.config);
    expect(await content.getJob(ids[0])).toBeUndefined();

    expect((await app.get(DerivedIndexes).verify()).jobs).toBe('rebuilt');
    const report = await app.get(JobReconciler).runOnce();
    // The three posts and the welcome email.
    expect(report?.requeued).toBe(4);
    for (const id of ids) expect(await content.getJob(id)).toBeDefined();

    const listed = await api.call('get', '/jobs/user?queue=content-generation', ada.token);
    expect(
      (listed.body.items as { id: string; state: string }[]).map((j) => [j.id, j.state]),
    ).toEqual([...ids].reverse().map((id) => [id, 'waiting']));
    // Queued once each: a second pass finds them live.
    expect((await app.get(JobReconciler).runOnce())?.requeued).toBe(0);
  });

  /**
   * A failover: the promoted replica kept the epoch but not the last writes the old master had
   * acknowledged (the jobs' adds and their index entries). Only the master's replication id says
   * so: the epoch's record in MongoDB names the master it was last seen on.
   */
  it('rebuilds after a new Redis master lost the last writes (failover), not before', async () => {
    const ada = await api.register('Grace');
    const res = await api
      .call('post', '/content/generate', ada.token)
      .send({ text: 'lost with the master.', platforms: ['twitter'] })
      .expect(202);
    const id = (res.body as { jobId: string }).jobId;
    const indexes = app.get(DerivedIndexes);
    // The epoch and the master's replication id recorded as they are now.
    expect((await indexes.verify()).jobs).toBe('ok');

    const redis = testRedis(app.config);
    const epochKey = `${app.config.redisKeys.base}:idx:jobs:epoch`;
    const epoch = await redis.get(epochKey);
    await deleteRedisPrefix(app.config);
    await redis.set(epochKey, epoch!);
    await redis.quit();
    const content = app.get<Queue>(getQueueToken(QUEUE_NAMES.CONTENT_GENERATION));
    expect(await content.getJob(id)).toBeUndefined();

    // Same master, same epoch: nothing tells the index it is behind.
    expect((await indexes.verify()).jobs).toBe('ok');
    // The epoch was last seen on another master (what a promoted replica looks like).
    const epochs = app.get<Connection>(getConnectionToken()).collection('derived_index_epochs');
    await epochs.updateOne({ _id: 'jobs' as never }, { $set: { replid: 'f'.repeat(40) } });
    expect((await indexes.verify()).jobs).toBe('rebuilt');
    await app.get(JobReconciler).runOnce();
    expect(await content.getJob(id)).toBeDefined();
    // The new master's id is recorded: the next check finds the index in step.
    expect((await indexes.verify()).jobs).toBe('ok');
  });
});
