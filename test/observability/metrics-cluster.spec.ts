import { chatCompletion, HttpFake } from '../support/fakes/http-fake';
import { eventually } from '../support/test-app';
import { uniqueName } from '../support/test-env';
import type { AppProcess } from '../support/app-process';
import { callJson, spawnPair, SpawnedPair } from './spawned-pair';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parse(text: string): Sample[] {
  return text.split('\n').flatMap((line) => {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match) return [];
    const labels = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    return [{ name: match[1], labels, value: Number(match[3]) }];
  });
}

async function scrape(app: AppProcess): Promise<Sample[]> {
  const response = await fetch(`${app.url}/metrics`);
  expect(response.status).toBe(200);
  return parse(await response.text());
}

/** Sum of the samples of `name` whose labels include `labels`, over every scraped process. */
function total(scrapes: Sample[][], name: string, labels: Record<string, string>): number {
  return scrapes
    .flat()
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

describe('GET /metrics across an API process and a separate worker process', () => {
  const name = uniqueName('metricsx');
  let llm: HttpFake;
  let pair: SpawnedPair;
  const calls = new Map<string, number>();

  beforeAll(async () => {
    llm = await HttpFake.start();
    llm.on('POST', '/v1/chat/completions', (request) => {
      const prompt = JSON.stringify(request.body);
      const key = /flaky|broken|fine/.exec(prompt)?.[0] ?? 'other';
      calls.set(key, (calls.get(key) ?? 0) + 1);
      if (key === 'broken') return { status: 400, body: { error: { message: 'bad request' } } };
      if (key === 'flaky' && calls.get(key) === 1) return { status: 503, body: {} };
      return chatCompletion({ text: `A post (${key}).` });
    });
    pair = await spawnPair(name, {
      LLM_BASE_URL: `${llm.url}/v1`,
      JOB_BACKOFF_DELAY_MS: '50',
      ADMIN_EMAIL: 'ops@metrics.test',
      ADMIN_PASSWORD: 'ops-password-123',
    });
  });

  afterAll(async () => {
    await pair?.dispose();
    await llm?.stop();
  });

  it('counts completed, retried, failed and cancelled jobs, times them, and shows the queues as getAllQueueStats does', async () => {
    const user = await callJson(pair.api, 'POST', '/auth/register', {
      email: 'm@metrics.test',
      password: 'password123',
      name: 'M',
    });
    const auth = { authorization: `Bearer ${user.body.accessToken as string}` };
    const submit = (text: string) =>
      callJson(pair.api, 'POST', '/content/generate', { text, platforms: ['twitter'] }, auth);
    const jobs = await Promise.all(['fine', 'flaky', 'broken'].map((t) => submit(`${t} text`)));
    expect(jobs.map((j) => j.status)).toEqual([202, 202, 202]);
    // A post scheduled for later, cancelled while it waits (counted by the API process).
    const later = await callJson(
      pair.api,
      'POST',
      '/posts',
      {
        platforms: ['twitter'],
        content: { text: 'Later.' },
        scheduledAt: new Date(Date.now() + 3_600_000).toISOString(),
      },
      auth,
    );
    expect(later.status).toBe(202);
    const cancel = await callJson(
      pair.api,
      'POST',
      `/jobs/user/${later.body.jobId as string}/cancel`,
      undefined,
      auth,
    );
    expect(cancel.status).toBe(200);
    const states = await eventually(async () => {
      const all = await Promise.all(
        jobs.map(async (j) => {
          const status = await callJson(
            pair.api,
            'GET',
            `/jobs/user/${j.body.jobId as string}`,
            undefined,
            auth,
          );
          return status.body.state as string;
        }),
      );
      return all.every((s) => s === 'completed' || s === 'failed') && all;
    }, 20_000);
    expect(states).toEqual(['completed', 'completed', 'failed']);

    const admin = await callJson(pair.api, 'POST', '/auth/login', {
      email: 'ops@metrics.test',
      password: 'ops-password-123',
    });
    const stats = await callJson(pair.api, 'GET', '/jobs/dashboard/stats', undefined, {
      authorization: `Bearer ${admin.body.accessToken as string}`,
    });
    expect(stats.status).toBe(200);
    // Wait out the gauges' 2 s cache so both read Redis after the workload.
    await new Promise((r) => setTimeout(r, 2100));
    const [apiScrape, workerScrape] = await Promise.all([scrape(pair.api), scrape(pair.worker)]);
    const both = [apiScrape, workerScrape];
    const content = { queue: 'content-generation', name: 'generate-content' };

    const outcomes = Object.fromEntries(
      ['completed', 'retried', 'failed', 'cancelled'].map((outcome) => [
        outcome,
        total(both, 'click_jobs_total', { ...content, outcome }),
      ]),
    );
    expect(outcomes).toEqual({ completed: 2, retried: 1, failed: 1, cancelled: 0 });
    expect(
      total(both, 'click_jobs_total', {
        queue: 'scheduled-posts',
        name: 'publish-scheduled-post',
        outcome: 'cancelled',
      }),
    ).toBe(1);
    // Jobs ran in the worker process only; it timed every ending and every start.
    expect(total([workerScrape], 'click_job_processing_seconds_count', content)).toBe(3);
    expect(total([workerScrape], 'click_job_wait_seconds_count', content)).toBe(4);
    expect(total([apiScrape], 'click_job_processing_seconds_count', content)).toBe(0);
    expect(
      total([workerScrape], 'click_job_processing_seconds_bucket', { ...content, le: '+Inf' }),
    ).toBe(3);

    // Both processes read the queue gauges from the same Redis: equal to getAllQueueStats().
    const counts = stats.body as Record<string, Record<string, number>>;
    for (const scrapeOf of both)
      for (const [queue, c] of Object.entries(counts))
        for (const state of ['waiting', 'active', 'delayed', 'failed', 'completed'])
          expect([queue, state, total([scrapeOf], 'click_queue_jobs', { queue, state })]).toEqual([
            queue,
            state,
            c[state],
          ]);
    // One worker process runs every queue; the API process runs none.
    for (const queue of Object.keys(counts))
      expect(total([apiScrape], 'click_queue_workers', { queue })).toBe(1);
  });

  it('keeps label values bounded: ids, unknown paths and odd methods do not make new series', async () => {
    const series = async () =>
      new Set(
        (await scrape(pair.api))
          .filter((s) => s.name.startsWith('click_http_request_duration_seconds_count'))
          .map((s) => JSON.stringify(s.labels)),
      );
    // One of each shape first, so every series they can make exists.
    const shapes = (n: string) => [
      fetch(`${pair.api.url}/api/jobs/user/${n}`),
      fetch(`${pair.api.url}/api/no-such-route/${n}`),
      fetch(`${pair.api.url}/${n}.php?x=${n}`),
      fetch(`${pair.api.url}/api/jobs/status/not-a-queue/${n}`),
    ];
    await Promise.all(shapes('first'));
    const before = await series();
    for (let i = 0; i < 25; i++) await Promise.all(shapes(`id${i}x${Math.random()}`));
    const after = await series();
    expect([...after].filter((s) => !before.has(s))).toEqual([]);

    const all = [...(await scrape(pair.api)), ...(await scrape(pair.worker))];
    const queues = new Set([
      'video-processing',
      'content-generation',
      'email-sending',
      'transcript-generation',
      'social-posting',
      'scheduled-posts',
    ]);
    for (const sample of all) {
      const { queue, status, route } = sample.labels;
      if (queue !== undefined)
        expect([sample.name, queue, queues.has(queue)]).toEqual([sample.name, queue, true]);
      if (status !== undefined) expect(status).toMatch(/^[1-5]xx$/);
      // A route label is a template or "unmatched": never a path with an id in it.
      if (route !== undefined) expect(route).not.toMatch(/id\d+x|first|\.php/);
    }
    // The whole exposition stays small: a few thousand lines at most for two processes.
    expect(all.length).toBeLessThan(4000);
  });
});
