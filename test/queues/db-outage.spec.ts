import { JobRecordsService } from '../../src/queues/records/job-records.service';
import { QueuesService } from '../../src/queues';
import { QueueOperations } from '../../src/queues/kernel/queue-operations';
import { QueueRegistry } from '../../src/queues/kernel/queue-registry';
import { FakeSmtp } from '../support/fakes/smtp';
import { OwnedServer } from '../support/servers';
import { deleteRedisPrefix, eventually, startTestApp, TestApp } from '../support/test-app';
import { mongoUriFor, uniqueName } from '../support/test-env';

/**
 * The database goes away while jobs run: no job is failed for it (they wait, their attempts
 * untouched), and every job ends with its final record once the database is back.
 */
describe('jobs while the database is away', () => {
  const name = uniqueName('dbdown');
  let mongo: OwnedServer;
  let smtp: FakeSmtp;
  let app: TestApp;

  beforeAll(async () => {
    [mongo, smtp] = await Promise.all([OwnedServer.ferretdb(), FakeSmtp.start()]);
    app = await startTestApp(name, {
      MONGODB_URI: mongoUriFor(name, `mongodb://127.0.0.1:${mongo.port}`),
      SMTP_URL: smtp.url,
      JOB_BACKOFF_DELAY_MS: '100',
      JOB_RECONCILE_GRACE_MS: '1000',
      JOB_RECONCILE_INTERVAL_MS: '1000',
    });
  });

  afterAll(async () => {
    await app?.close();
    await deleteRedisPrefix(app.config);
    await Promise.all([mongo?.dispose(), smtp?.stop()]);
  });

  it('keeps every job and records each one once the database is back', async () => {
    const queues = app.get(QueuesService);
    const operations = app.get(QueueOperations);
    // Queued while the database answers; run while it is away.
    await operations.pause('email-sending');
    const ids: string[] = [];
    for (let i = 0; i < 20; i++)
      ids.push((await queues.addEmailJob({ to: `u${i}@example.com`, template: 'welcome' })).jobId);
    await mongo.stop();
    let failedDuring: string[];
    try {
      await operations.resume('email-sending');
      await new Promise((r) => setTimeout(r, 8000));
      // Read from Redis (the records are out of reach now).
      const queue = app.get(QueueRegistry).get('email-sending');
      const states = await Promise.all(ids.map(async (id) => (await queue.getJob(id))?.getState()));
      failedDuring = ids.filter((_, i) => states[i] === 'failed');
    } finally {
      await mongo.start();
    }
    expect(failedDuring).toEqual([]);

    const records = app.get(JobRecordsService);
    const final = await eventually(
      async () => {
        const all = await Promise.all(ids.map((id) => records.findById(id)));
        return all.every((r) => r?.state === 'completed') && all;
      },
      60_000,
      'every job recorded completed',
    );
    expect(final.map((r) => r!.attemptsMade)).toEqual(ids.map(() => 1));
    const received = smtp.received.map((m) => m.to[0]).sort();
    expect(new Set(received).size).toBe(20);
  }, 90_000);
});

/**
 * Jobs finishing at the very moment the database is killed: inserts it acknowledged may not be
 * there once it is back (FerretDB killed mid-write, found by the chaos suite), so their jobs stay
 * with the reconciler, which reads the records back and writes the missing ones from Redis.
 */
describe('records written as the database is killed', () => {
  it('ends with a final record for every job accepted', async () => {
    const name = uniqueName('dbkill');
    const mongo = await OwnedServer.ferretdb();
    const app = await startTestApp(name, {
      MONGODB_URI: mongoUriFor(name, `mongodb://127.0.0.1:${mongo.port}`),
      JOB_BACKOFF_DELAY_MS: '100',
      JOB_RECONCILE_GRACE_MS: '1000',
      JOB_RECONCILE_INTERVAL_MS: '1000',
      QUEUE_CONTENT_GENERATION_RATE_MAX: '1000000',
      QUEUE_CONTENT_GENERATION_RATE_DURATION_MS: '1000',
    });
    const queues = app.get(QueuesService);
    const accepted: string[] = [];
    let stop = false;
    const load = (async () => {
      while (!stop) {
        try {
          const job = await queues.addContentGenerationJob({
            text: 'Some text here.',
            user: { _id: 'u-kill' },
            platforms: ['twitter'],
          });
          accepted.push(job.jobId);
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    })();
    try {
      // Jobs finishing as the database dies: wait until a good number flowed (a busy machine is slower).
      await eventually(() => accepted.length > 60, 20_000, 'jobs accepted before the kill');
      await mongo.stop();
      await new Promise((r) => setTimeout(r, 8000));
      await mongo.start();
      stop = true;
      await load;
      const records = app.get(JobRecordsService);
      await eventually(
        async () => {
          const all = await Promise.all(accepted.map((id) => records.findById(id)));
          return all.every((r) => r?.state === 'completed');
        },
        45_000,
        `all ${accepted.length} jobs recorded completed`,
      );
      expect(accepted.length).toBeGreaterThan(50);
    } finally {
      stop = true;
      await app.close();
      await deleteRedisPrefix(app.config);
      await mongo.dispose();
    }
  }, 120_000);
});
