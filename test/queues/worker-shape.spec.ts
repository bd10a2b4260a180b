import { WorkerHost } from '@nestjs/bullmq';
import { PROCESSOR_METADATA } from '@nestjs/bullmq/dist/bull.constants';
import { Queue, Worker } from 'bullmq';
import { QueuesService, QueueRegistry } from '../../src/queues';
import { QueueCatalogue } from '../../src/queues/kernel/queue-catalogue.service';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { uniqueName } from '../support/test-env';
import { ThrowawayProcessor } from '../fixtures/throwaway-queue/throwaway.processor';
import { ThrowawayQueueModule } from '../fixtures/throwaway-queue/throwaway.module';

/**
 * The design card's shape: each queue's worker is a `@Processor(<queue>)` class on @nestjs/bullmq's
 * `WorkerHost`, whose Worker @nestjs/bullmq builds in the roles that run workers, with the
 * queue's catalogue row and this deployment's QUEUE_<NAME>_* settings.
 */
describe('workers in @nestjs/bullmq shape', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp(
      uniqueName('shape'),
      {
        QUEUE_THROWAWAY_CONCURRENCY: '3',
        QUEUE_EMAIL_SENDING_CONCURRENCY: '4',
        QUEUE_EMAIL_SENDING_RATE_MAX: '7',
        QUEUE_EMAIL_SENDING_RATE_DURATION_MS: '2000',
      },
      { extraModules: [ThrowawayQueueModule] },
    );
  });

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
  });

  it('gives every queue a @Processor class on WorkerHost, with a running worker set from its row and overrides', () => {
    const catalogue = app.get(QueueCatalogue);
    expect(catalogue.names()).toEqual(expect.arrayContaining(['email-sending', 'throwaway']));
    for (const name of catalogue.names()) {
      const processor = catalogue.processor(name)!;
      expect(processor).toBeInstanceOf(WorkerHost);
      expect(Reflect.getMetadata(PROCESSOR_METADATA, processor.constructor)).toEqual({ name });
      const worker = processor.worker;
      expect(worker).toBeInstanceOf(Worker);
      expect(worker.name).toBe(name);
      expect(worker.isRunning()).toBe(true);
      expect(worker.concurrency).toBe(catalogue.spec(name).concurrency);
    }
    const email = catalogue.processor('email-sending')!.worker;
    expect(email.concurrency).toBe(4);
    expect(email.opts.limiter).toEqual({ max: 7, duration: 2000 });
    // Video processing keeps its row's 2: nothing overrides it here.
    expect(catalogue.processor('video-processing')!.worker.concurrency).toBe(2);
  });

  it('obeys a changed QUEUE_<NAME>_CONCURRENCY: 3 of 5 held jobs run at once, 2 wait', async () => {
    const queues = app.get(QueuesService);
    const fixture = app.get(ThrowawayProcessor);
    const queue: Queue = await app.get(QueueRegistry).use('throwaway');
    const jobs = [];
    for (let i = 0; i < 5; i++)
      jobs.push(await queues.addJob('throwaway', { name: 'ping', data: { message: `hold ${i}` } }));
    // Held jobs never finish until released: the worker takes exactly its concurrency of them.
    await eventually(async () => (await queue.getActiveCount()) === 3, 15_000);
    // (Waiting jobs with a priority, as every fair-share turn is, sit in BullMQ's prioritized set.)
    const states = await Promise.all(
      jobs.map(async (job) => (await queues.getJobStatus('throwaway', job.jobId)).state),
    );
    expect(states.sort()).toEqual(['active', 'active', 'active', 'waiting', 'waiting']);
    await eventually(() => fixture.held.size === 3, 15_000, 'three at the gate');
    fixture.release();
    await eventually(async () => (await queue.getActiveCount()) === 2, 15_000);
    await eventually(() => fixture.held.size === 2, 15_000, 'the other two at the gate');
    fixture.release();
    for (const job of jobs)
      await eventually(
        async () => (await queues.getJobStatus('throwaway', job.jobId)).state === 'completed',
        15_000,
      );
  });

  it("hands BullMQ's AbortSignal to process(job, token, signal): cancelling a held job ends it cancelled", async () => {
    const queues = app.get(QueuesService);
    const fixture = app.get(ThrowawayProcessor);
    const job = await queues.addJob('throwaway', { name: 'ping', data: { message: 'hold me' } });
    await eventually(
      async () => (await queues.getJobStatus('throwaway', job.jobId)).state === 'active',
      15_000,
    );
    // The handler ignores the signal and waits for its gate: only the signal ends this run.
    expect(await queues.cancelJob('throwaway', job.jobId)).toEqual({ state: 'cancelled' });
    const status = await queues.getJobStatus('throwaway', job.jobId);
    expect(status.state).toBe('cancelled');
    expect(status.attemptsMade).toBe(1);
    fixture.release();
  });
});

describe('a role that runs no workers', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp(uniqueName('noworkers'), { APP_ROLE: 'api' });
  });

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
  });

  it('creates no Worker: the processors exist, their workers do not, and Redis sees none', async () => {
    const catalogue = app.get(QueueCatalogue);
    expect(catalogue.names()).toHaveLength(6);
    for (const name of catalogue.names()) {
      expect(() => catalogue.processor(name)!.worker).toThrow(/has not yet been initialized/);
      const queue = await app.get(QueueRegistry).use(name);
      expect(await queue.getWorkers()).toEqual([]);
    }
  });
});
