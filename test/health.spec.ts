import { AppProcess, spawnApp } from './support/app-process';
import { OwnedServer } from './support/servers';
import { mongoUriFor, testEnv, uniqueName } from './support/test-env';

interface Health {
  status: string;
  error: Record<string, { status: string; message?: string }>;
  details: Record<string, { status: string }>;
}

async function health(
  app: AppProcess,
  path = '/api/health',
): Promise<{ status: number; body: Health }> {
  const response = await fetch(`${app.url}${path}`, { signal: AbortSignal.timeout(5000) });
  return { status: response.status, body: (await response.json()) as Health };
}

/** Polls /api/health until it answers `status`; returns the answer or throws after `withinMs`. */
async function healthBecomes(app: AppProcess, status: number, withinMs: number) {
  const deadline = Date.now() + withinMs;
  let last: { status: number; body: Health } | undefined;
  while (Date.now() < deadline) {
    last = await health(app);
    if (last.status === status) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `health stayed ${last?.status} (${JSON.stringify(last?.body)}) for ${withinMs} ms`,
  );
}

/** A request that needs the dependency: answered 503 at once, with Retry-After, while it is away. */
async function failsFast(app: AppProcess, dependency: RegExp): Promise<void> {
  // The client may notice the outage a moment after health did; then every answer is at once.
  let response: Response | undefined;
  let tookMs = 0;
  for (const deadline = Date.now() + 5000; Date.now() < deadline;) {
    const started = Date.now();
    response = await fetch(`${app.url}/api/jobs/user`, {
      headers: { authorization: 'Bearer whatever' },
      signal: AbortSignal.timeout(10_000),
    });
    tookMs = Date.now() - started;
    if (response.status === 503) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(response?.status).toBe(503);
  expect(tookMs).toBeLessThan(1000);
  if (!response) return;
  expect(response.headers.get('retry-after')).toBe('5');
  expect(((await response.json()) as { message: string }).message).toMatch(dependency);
}

describe('GET /api/health through outages', () => {
  const name = uniqueName('health');
  let redis: OwnedServer;
  let mongo: OwnedServer;
  let app: AppProcess;

  beforeAll(async () => {
    [redis, mongo] = await Promise.all([OwnedServer.redis(), OwnedServer.ferretdb()]);
    app = await spawnApp(
      testEnv(name, {
        REDIS_URL: `redis://127.0.0.1:${redis.port}`,
        MONGODB_URI: mongoUriFor(name, `mongodb://127.0.0.1:${mongo.port}`),
      }),
    );
  });

  afterAll(async () => {
    await app?.stop('SIGKILL');
    await Promise.all([redis?.dispose(), mongo?.dispose()]);
  });

  it('is 200 with redis and mongo up when both answer', async () => {
    const { status, body } = await health(app);
    expect(status).toBe(200);
    expect(body.details).toEqual({ redis: { status: 'up' }, mongo: { status: 'up' } });
    // Readiness adds the workers of this (all-in-one) role; liveness asks nothing.
    const ready = await health(app, '/api/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.details).toEqual({
      redis: { status: 'up' },
      mongo: { status: 'up' },
      storage: { status: 'up' },
      workers: { status: 'up' },
    });
    expect(await health(app, '/api/health/live')).toEqual({
      status: 200,
      body: expect.objectContaining({ status: 'ok', details: {} }),
    });
  });

  it('turns 503 naming redis within 5 s of Redis stopping, and 200 again once it is back', async () => {
    await redis.stop();
    const down = await healthBecomes(app, 503, 5000);
    expect(down.body.error.redis.status).toBe('down');
    expect(down.body.error.mongo).toBeUndefined();
    await failsFast(app, /queue is unavailable/);
    // Alive, not ready.
    expect((await health(app, '/api/health/live')).status).toBe(200);
    const notReady = await health(app, '/api/health/ready');
    expect(notReady.status).toBe(503);
    expect(notReady.body.error.redis.status).toBe('down');

    await redis.start();
    const up = await healthBecomes(app, 200, 15_000);
    expect(up.body.details.redis.status).toBe('up');
    expect(app.child.exitCode).toBeNull();
  });

  it('turns 503 naming mongo while MongoDB is away, and 200 again once it is back', async () => {
    await mongo.stop();
    const down = await healthBecomes(app, 503, 10_000);
    expect(down.body.error.mongo.status).toBe('down');
    expect(down.body.error.redis).toBeUndefined();
    await failsFast(app, /database is unavailable/);

    await mongo.start();
    await healthBecomes(app, 200, 30_000);
    expect(app.child.exitCode).toBeNull();
  });

  it('exits 0 on SIGTERM after closing its connections', async () => {
    const before = app.output().length;
    const code = await app.stop('SIGTERM');
    expect(code).toBe(0);
    expect(app.output().slice(before)).not.toMatch(/error/i);
  });
});
