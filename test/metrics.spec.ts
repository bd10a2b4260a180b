import type { AddressInfo } from 'node:net';
import { io } from 'socket.io-client';
import { QueuesService } from '../src/queues';
import { TaskRunner } from '../src/scheduler/task-runner.service';
import { ApiClient } from './support/api-client';
import { dropTestData, eventually, startTestApp, TestApp } from './support/test-app';
import { uniqueName } from './support/test-env';

const urlOf = (app: TestApp) =>
  `http://127.0.0.1:${(app.app.getHttpServer().address() as AddressInfo).port}`;

/** The value of one sample of the Prometheus text, or undefined when it is not there. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = match[2].split(',');
    if (want.every((w) => have.includes(w))) return Number(match[3]);
  }
  return undefined;
}

describe('GET /metrics (Prometheus)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp(uniqueName('metrics'), {}, { listen: true });
  });

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
  });

  it('counts jobs by outcome, times them, and shows each queue as getAllQueueStats does', async () => {
    const queues = app.get(QueuesService);
    const done = await queues.addContentGenerationJob({
      text: 'Metrics make queues visible. Alerts make them safe.',
      user: { _id: 'metrics-user' },
      platforms: ['twitter'],
    });
    const later = await queues.scheduleJob(
      'email-sending',
      { name: 'send-email', data: { to: 'm@example.com', template: 'welcome', userId: 'm' } },
      new Date(Date.now() + 3_600_000),
    );
    await queues.cancelJob('email-sending', later.jobId);
    await eventually(
      async () =>
        (await queues.getJobStatus('content-generation', done.jobId)).state === 'completed',
      15_000,
    );

    const response = await fetch(`${urlOf(app)}/metrics`);
    expect(response.status).toBe(200);
    // Prometheus's text format (Express adds the charset).
    expect(response.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
    const text = await response.text();
    const content = { queue: 'content-generation', name: 'generate-content' };
    expect(sample(text, 'click_jobs_total', { ...content, outcome: 'completed' })).toBe(1);
    expect(
      sample(text, 'click_jobs_total', {
        queue: 'email-sending',
        name: 'send-email',
        outcome: 'cancelled',
      }),
    ).toBe(1);
    expect(sample(text, 'click_job_processing_seconds_count', content)).toBe(1);
    expect(sample(text, 'click_job_wait_seconds_count', content)).toBe(1);
    expect(text).toMatch(/^click_process_cpu_user_seconds_total /m);

    const stats = await queues.getAllQueueStats();
    for (const [queue, counts] of Object.entries(stats))
      for (const state of ['waiting', 'active', 'delayed', 'failed', 'completed'] as const)
        expect([queue, state, sample(text, 'click_queue_jobs', { queue, state })]).toEqual([
          queue,
          state,
          counts[state],
        ]);
  });

  it('shows concurrency in use, the record backlog and its flushes, task runs and sockets', async () => {
    await app.get(TaskRunner).runNow('reconcile');
    const alice = await new ApiClient(app.app).register('Alice');
    const socket = io(`${urlOf(app)}/jobs`, {
      auth: { token: alice.token },
      transports: ['websocket'],
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    try {
      const text = await (await fetch(`${urlOf(app)}/metrics`)).text();
      expect(sample(text, 'click_worker_active_jobs', { queue: 'content-generation' })).toBe(0);
      expect(text).toMatch(/^click_record_backlog \d+$/m);
      expect(/^click_record_flush_seconds_count (\d+)$/m.exec(text)?.[1]).toMatch(/^[1-9]/);
      expect(
        sample(text, 'click_task_runs_total', {
          task: 'reconcile',
          trigger: 'manual',
          outcome: 'ok',
        }),
      ).toBe(1);
      expect(sample(text, 'click_task_duration_seconds_count', { task: 'reconcile' })).toBe(1);
      expect(text).toMatch(/^click_socket_connections 1$/m);
    } finally {
      socket.close();
    }
  });

  it('labels HTTP timings by route template and status class, never by id', async () => {
    await fetch(`${urlOf(app)}/api/jobs/user/abc123`);
    await fetch(`${urlOf(app)}/api/jobs/user/def456`);
    const text = await (await fetch(`${urlOf(app)}/metrics`)).text();
    expect(
      sample(text, 'click_http_request_duration_seconds_count', {
        method: 'GET',
        route: '/api/jobs/user/:jobId',
        status: '4xx',
      }),
    ).toBe(2);
    expect(text).not.toMatch(/abc123|def456/);
  });
});

describe('GET /metrics with METRICS_TOKEN', () => {
  it('asks for the token, even on loopback', async () => {
    const token = 'metrics-token-0123456789';
    const app = await startTestApp(
      uniqueName('metricstok'),
      { METRICS_TOKEN: token },
      { listen: true },
    );
    try {
      expect((await fetch(`${urlOf(app)}/metrics`)).status).toBe(401);
      const wrong = await fetch(`${urlOf(app)}/metrics`, {
        headers: { authorization: 'Bearer metrics-token-9876543210' },
      });
      expect(wrong.status).toBe(401);
      const right = await fetch(`${urlOf(app)}/metrics`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(right.status).toBe(200);
      expect(await right.text()).toMatch(/^click_queue_jobs\{/m);
    } finally {
      await dropTestData(app);
      await app.close();
    }
  });
});

describe('METRICS_ENABLED=false', () => {
  it('keeps no metrics and answers 404 at /metrics, while jobs run as usual', async () => {
    const app = await startTestApp(
      uniqueName('metricsoff'),
      { METRICS_ENABLED: 'false' },
      { listen: true },
    );
    try {
      const queues = app.get(QueuesService);
      const job = await queues.addEmailJob({
        to: 'off@example.com',
        template: 'welcome',
        userId: 'o',
      });
      await eventually(
        async () => (await queues.getJobStatus('email-sending', job.jobId)).state === 'completed',
        15_000,
      );
      const response = await fetch(`${urlOf(app)}/metrics`);
      expect(response.status).toBe(404);
      expect(((await response.json()) as { message: string }).message).toMatch(/METRICS_ENABLED/);
    } finally {
      await dropTestData(app);
      await app.close();
    }
  });
});
