import { BUILT_IN_QUEUES as ALL_QUEUES } from '../../src/queues/contracts/queue-names';
import {
  JobIdConflictError,
  JOB_PRIORITY,
  JobPayloadError,
  QUEUE_NAMES,
  QueuesService,
} from '../../src/queues';
import { jobEventsStream, JobEvent } from '../../src/queues/kernel/job-events';
import { chatCompletion, HttpFake } from '../support/fakes/http-fake';
import { FakeSmtp } from '../support/fakes/smtp';
import { dropTestData, eventually, startTestApp, testRedis } from '../support/test-app';
import { uniqueName } from '../support/test-env';

const llmAnswer = (text: string) => chatCompletion({ text, hashtags: ['#Tag'] });

describe('queue kernel', () => {
  let smtp: FakeSmtp;

  beforeAll(async () => {
    smtp = await FakeSmtp.start();
  });

  afterAll(() => smtp.stop());

  it('runs CRITICAL, HIGH, NORMAL, LOW, FIFO within a level, when a worker starts on a backlog', async () => {
    const name = uniqueName('priority');
    const env = { SMTP_URL: smtp.url, QUEUE_EMAIL_SENDING_CONCURRENCY: '1' };
    const api = await startTestApp(name, { ...env, APP_ROLE: 'api' });
    const queues = api.get(QueuesService);
    const plan: [string, number][] = [
      ['low-1', JOB_PRIORITY.LOW],
      ['normal-1', JOB_PRIORITY.NORMAL],
      ['high-1', JOB_PRIORITY.HIGH],
      ['critical-1', JOB_PRIORITY.CRITICAL],
      ['low-2', JOB_PRIORITY.LOW],
      ['normal-2', JOB_PRIORITY.NORMAL],
      ['high-2', JOB_PRIORITY.HIGH],
      ['critical-2', JOB_PRIORITY.CRITICAL],
    ];
    for (const [subject, priority] of plan) {
      await queues.addEmailJob(
        { to: 'order@example.com', template: 'welcome', subject, data: { name: subject } },
        { priority },
      );
    }
    expect((await queues.getQueueStats(QUEUE_NAMES.EMAIL_SENDING)).waiting).toBe(8);

    const before = smtp.received.length;
    const worker = await startTestApp(name, { ...env, APP_ROLE: 'worker' });
    try {
      const mails = (await smtp.waitFor(before + 8)).slice(before);
      expect(mails.map((m) => m.subject)).toEqual([
        'critical-1',
        'critical-2',
        'high-1',
        'high-2',
        'normal-1',
        'normal-2',
        'low-1',
        'low-2',
      ]);
    } finally {
      await worker.close();
      await dropTestData(api);
      await api.close();
    }
  });

  it('refuses a priority outside the scale, and gives video jobs HIGH by default', async () => {
    const app = await startTestApp(uniqueName('prio'), { APP_ROLE: 'api' });
    try {
      const queues = app.get(QueuesService);
      await expect(
        queues.addEmailJob({ to: 'a@example.com', template: 'welcome' }, { priority: 7 }),
      ).rejects.toThrow(new JobPayloadError(['priority must be one of 10, 5, 0, -5']));
      const video = await queues.addVideoProcessingJob({
        contentId: 'c1',
        videoPath: 'clip.mp4',
        user: { _id: 'u1' },
      });
      expect(video.priority).toBe(JOB_PRIORITY.HIGH);
      expect((await queues.getJobStatus(QUEUE_NAMES.VIDEO_PROCESSING, video.jobId)).priority).toBe(
        JOB_PRIORITY.HIGH,
      );
    } finally {
      await dropTestData(app);
      await app.close();
    }
  });

  it('never runs more jobs of a queue at once than its concurrency (override 2)', async () => {
    const llm = await HttpFake.start();
    llm.on('POST', '/v1/chat/completions', () => 'hold');
    const app = await startTestApp(uniqueName('concurrency'), {
      LLM_BASE_URL: `${llm.url}/v1`,
      QUEUE_CONTENT_GENERATION_CONCURRENCY: '2',
    });
    try {
      const queues = app.get(QueuesService);
      const jobs = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          queues.addContentGenerationJob({
            text: `Post number ${i}.`,
            user: { _id: 'u1' },
            platforms: ['facebook'],
          }),
        ),
      );
      await eventually(() => llm.inFlight === 2, 10_000, 'two requests in flight');
      // Give a third worker slot every chance to (wrongly) start.
      await new Promise((r) => setTimeout(r, 500));
      expect(llm.inFlight).toBe(2);
      expect((await queues.getQueueStats(QUEUE_NAMES.CONTENT_GENERATION)).active).toBe(2);

      llm.on('POST', '/v1/chat/completions', () => llmAnswer('Generated.'));
      llm.release(llmAnswer('Generated.'));
      for (const job of jobs) {
        await eventually(
          async () =>
            (await queues.getJobStatus(QUEUE_NAMES.CONTENT_GENERATION, job.jobId)).state ===
            'completed',
          15_000,
        );
      }
      expect(llm.requests).toHaveLength(6);
      expect(llm.maxInFlight).toBe(2);
    } finally {
      await dropTestData(app);
      await app.close();
      await llm.stop();
    }
  });

  it('starts at most RATE_MAX jobs per RATE_DURATION_MS (override 2 per second)', async () => {
    const app = await startTestApp(uniqueName('ratelimit'), {
      SMTP_URL: smtp.url,
      QUEUE_EMAIL_SENDING_RATE_MAX: '2',
      QUEUE_EMAIL_SENDING_RATE_DURATION_MS: '1000',
    });
    try {
      const queues = app.get(QueuesService);
      const jobs = [];
      for (let i = 0; i < 6; i++)
        jobs.push(
          await queues.addEmailJob({
            to: 'rate@example.com',
            template: 'welcome',
            data: { name: `${i}` },
          }),
        );
      const starts: number[] = [];
      for (const job of jobs) {
        const status = await eventually(async () => {
          const s = await queues.getJobStatus(QUEUE_NAMES.EMAIL_SENDING, job.jobId);
          return s.state === 'completed' && s;
        }, 20_000);
        starts.push(Date.parse(status.timestamps.started!));
      }
      starts.sort((a, b) => a - b);
      // A window opens with the first start after the last one closed and lets two jobs start,
      // however late in it they come (on a loaded machine the second may come near its end and
      // the next window's two right after). So the third start is a window after the first and
      // the fifth two windows after it (a little slack for clock rounding).
      expect(starts[2] - starts[0]).toBeGreaterThanOrEqual(900);
      expect(starts[4] - starts[0]).toBeGreaterThanOrEqual(1900);
    } finally {
      await dropTestData(app);
      await app.close();
    }
  });

  it('gives ids unique across queues; a caller-chosen id is idempotent in its queue and refused in another', async () => {
    const app = await startTestApp(uniqueName('ids'), { APP_ROLE: 'api' });
    try {
      const queues = app.get(QueuesService);
      const ids = [
        (await queues.addEmailJob({ to: 'a@example.com', template: 'welcome' })).jobId,
        (await queues.addTranscriptJob({ contentId: 'c1', language: 'en', userId: 'u1' })).jobId,
        (
          await queues.addSocialPostJob({
            userId: 'u1',
            platforms: ['twitter'],
            content: { text: 'hi' },
          })
        ).jobId,
        (
          await queues.addVideoProcessingJob({
            contentId: 'c1',
            videoPath: 'v.mp4',
            user: { _id: 'u1' },
          })
        ).jobId,
      ];
      expect(new Set(ids).size).toBe(4);
      for (const id of ids) expect(id).toMatch(/^[0-9a-f]{24}$/);

      const first = await queues.addEmailJob(
        { to: 'b@example.com', template: 'welcome' },
        { jobId: 'signup-42' },
      );
      const again = await queues.addEmailJob(
        { to: 'b@example.com', template: 'welcome' },
        { jobId: 'signup-42' },
      );
      expect(again.jobId).toBe(first.jobId);
      expect((await queues.getQueueStats(QUEUE_NAMES.EMAIL_SENDING)).waiting).toBe(2);
      await expect(
        queues.addTranscriptJob(
          { contentId: 'c1', language: 'en', userId: 'u1' },
          { jobId: 'signup-42' },
        ),
      ).rejects.toThrow(JobIdConflictError);
      await expect(
        queues.addEmailJob({ to: 'b@example.com', template: 'welcome' }, { jobId: '12345' }),
      ).rejects.toThrow(JobPayloadError);
    } finally {
      await dropTestData(app);
      await app.close();
    }
  });

  it('reports counts for all six queues', async () => {
    const app = await startTestApp(uniqueName('stats'), { APP_ROLE: 'api' });
    try {
      const queues = app.get(QueuesService);
      await queues.addEmailJob({ to: 'a@example.com', template: 'welcome' });
      await queues.scheduleJob(
        QUEUE_NAMES.EMAIL_SENDING,
        { name: 'send-email', data: { to: 'a@example.com', template: 'welcome' } },
        new Date(Date.now() + 60_000),
      );
      const stats = await queues.getAllQueueStats();
      expect(Object.keys(stats).sort()).toEqual([...ALL_QUEUES].sort());
      expect(stats['email-sending']).toEqual({
        waiting: 1,
        active: 0,
        completed: 0,
        failed: 0,
        delayed: 1,
        paused: false,
      });
      expect(stats['video-processing']).toEqual({
        waiting: 0,
        active: 0,
        completed: 0,
        failed: 0,
        delayed: 0,
        paused: false,
      });
      await expect(
        queues.scheduleJob(
          QUEUE_NAMES.EMAIL_SENDING,
          { name: 'send-email', data: { to: 'a@example.com', template: 'welcome' } },
          new Date(Date.now() - 1000),
        ),
      ).rejects.toThrow('date must be in the future');
    } finally {
      await dropTestData(app);
      await app.close();
    }
  });

  it('publishes active, progress and completed events with the owner, for the realtime layer', async () => {
    const name = uniqueName('events');
    const app = await startTestApp(name);
    const reader = testRedis(app.config);
    try {
      // What any process reading the stream sees, in order.
      const events: JobEvent[] = [];
      const readAll = async () => {
        const entries = await reader.xrange(jobEventsStream(app.config.redisKeys.base), '-', '+');
        events.splice(
          0,
          events.length,
          ...entries.flatMap(([, f]) => JSON.parse(f[1]) as JobEvent[]),
        );
        return events;
      };
      const queues = app.get(QueuesService);
      const job = await queues.addContentGenerationJob({
        text: 'Queues keep work moving. Workers do it.',
        user: { _id: 'owner-7' },
        platforms: ['twitter', 'linkedin'],
      });
      await eventually(
        async () =>
          (await readAll()).some((e) => e.jobId === job.jobId && e.type === 'job:completed'),
        15_000,
      );
      const mine = events.filter((e) => e.jobId === job.jobId);
      expect(mine.map((e) => [e.type, e.progress])).toEqual([
        ['job:active', undefined],
        ['job:progress', 50],
        ['job:progress', 100],
        ['job:completed', 100],
      ]);
      for (const e of mine)
        expect(e).toMatchObject({
          ownerId: 'owner-7',
          queue: 'content-generation',
          name: 'generate-content',
        });
    } finally {
      reader.disconnect();
      await dropTestData(app);
      await app.close();
    }
  });
});
