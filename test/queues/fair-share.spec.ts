import { JOB_PRIORITY, QueuesService } from '../../src/queues';
import { QueueOperations } from '../../src/queues/kernel/queue-operations';
import { ThrowawayProcessor } from '../fixtures/throwaway-queue/throwaway.processor';
import { ThrowawayQueueModule } from '../fixtures/throwaway-queue/throwaway.module';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { uniqueName } from '../support/test-env';

/**
 * Within a queue and a priority level, owners take turns: one user's backlog does not hold back
 * another user's first job. Jobs run one at a time here, so the order they end in is the order
 * they started in.
 */
describe('fair share between users within a queue', () => {
  let app: TestApp;
  let queues: QueuesService;
  let operations: QueueOperations;

  beforeAll(async () => {
    app = await startTestApp(
      uniqueName('fair'),
      { QUEUE_THROWAWAY_CONCURRENCY: '1' },
      { extraModules: [ThrowawayQueueModule] },
    );
    queues = app.get(QueuesService);
    operations = app.get(QueueOperations);
  });

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
  });

  const ping = (owner: string | undefined, message: string, priority?: number) =>
    queues.addJob(
      'throwaway',
      { name: 'ping', data: owner ? { message, userId: owner } : { message } },
      { priority },
    );

  /** The messages of jobs that ended, in the order they ended. */
  const order = () => app.get(ThrowawayProcessor).ends.map((end) => end.message);

  it("interleaves owners: a user's k-th job runs before anybody's (k+1)-th, each user's own in order", async () => {
    await operations.pause('throwaway');
    for (let i = 1; i <= 50; i++) await ping('user-a', `a${i}`);
    await ping('user-b', 'b1');
    await ping('user-b', 'b2');
    await ping('user-c', 'c1');
    // No user: the system is one owner like any other (a welcome email, say).
    await ping(undefined, 'system1');
    await operations.resume('throwaway');

    const ended = await eventually(() => order().length === 54 && order(), 30_000, '54 jobs');
    // Everyone's first turn, in the order they came: B's first and C's job are among the first three.
    expect(ended.slice(0, 4)).toEqual(['a1', 'b1', 'c1', 'system1']);
    expect(ended.slice(4, 6)).toEqual(['a2', 'b2']);
    // A's own jobs kept their order.
    const mine = ended.filter((m) => m.startsWith('a'));
    expect(mine).toEqual(Array.from({ length: 50 }, (_, i) => `a${i + 1}`));
  });

  it('keeps priority levels first, and lets a newcomer in at the current turn', async () => {
    app.get(ThrowawayProcessor).ends.length = 0;
    await operations.pause('throwaway');
    const held: string[] = [];
    for (let i = 1; i <= 10; i++) {
      const job = await ping('user-a', i === 4 ? 'hold-a4' : `a${i}`);
      if (i === 4) held.push(job.jobId);
    }
    await ping('user-b', 'b-high', JOB_PRIORITY.HIGH);
    await ping('user-a', 'a-low', JOB_PRIORITY.LOW);
    await operations.resume('throwaway');
    // Part-way through A's backlog (A's fourth job running), D arrives: D's first job runs
    // right after A's fifth, the one at the head of the line.
    await eventually(
      async () => (await queues.getJobStatus('throwaway', held[0])).state === 'active',
      30_000,
      "A's fourth job running",
    );
    await ping('user-d', 'd1');
    await eventually(() => app.get(ThrowawayProcessor).held.has('hold-a4'), 30_000, 'A4 held');
    app.get(ThrowawayProcessor).release();
    const ended = await eventually(() => order().length === 13 && order(), 30_000, '13 jobs');
    expect(ended[0]).toBe('b-high');
    expect(ended[ended.length - 1]).toBe('a-low');
    expect(ended.slice(0, 6)).toEqual(['b-high', 'a1', 'a2', 'a3', 'hold-a4', 'a5']);
    expect(ended[6]).toBe('d1');
  });
});
