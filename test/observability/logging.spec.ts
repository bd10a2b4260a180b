import { eventually } from '../support/test-app';
import { HttpFake } from '../support/fakes/http-fake';
import { uniqueName } from '../support/test-env';
import { callJson, spawnPair, SpawnedPair } from './spawned-pair';

type Line = Record<string, unknown>;

/** Every JSON line an app printed (the startup banner is the one plain line). */
function jsonLines(output: string): Line[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Line);
}

describe('JSON logs: request ids into jobs, and no secrets', () => {
  const name = uniqueName('logs');
  const adminPassword = 'admin-Pa55word-never-logged';
  const userPassword = 'user-Pa55word-never-logged';
  const platformToken = 'twitter-token-never-logged-4242';
  let platforms: HttpFake;
  let pair: SpawnedPair;

  beforeAll(async () => {
    platforms = await HttpFake.start();
    platforms.on('POST', '/2/tweets', () => ({ status: 201, body: { data: { id: '777' } } }));
    pair = await spawnPair(name, {
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'debug',
      ADMIN_EMAIL: 'root@logs.test',
      ADMIN_PASSWORD: adminPassword,
      TWITTER_API_BASE_URL: platforms.url,
    });
  });

  afterAll(async () => {
    await pair?.dispose();
    await platforms?.stop();
  });

  it('the request id of a submission is on its HTTP line and on its job lines in the worker process; secrets never appear', async () => {
    const admin = await callJson(pair.api, 'POST', '/auth/login', {
      email: 'root@logs.test',
      password: adminPassword,
    });
    expect(admin.status).toBe(200);
    const registered = await callJson(pair.api, 'POST', '/auth/register', {
      email: 'writer@logs.test',
      password: userPassword,
      name: 'Writer',
    });
    expect(registered.status).toBe(201);
    const auth = { authorization: `Bearer ${registered.body.accessToken as string}` };
    const linked = await callJson(
      pair.api,
      'POST',
      '/social/accounts',
      { platform: 'twitter', accessToken: platformToken, handle: '@writer' },
      auth,
    );
    expect(linked.status).toBe(201);

    const requestId = 'req-logs-0001';
    const posted = await callJson(
      pair.api,
      'POST',
      '/posts',
      { platforms: ['twitter'], content: { text: 'Hello from the log test' } },
      { ...auth, 'X-Request-Id': requestId },
    );
    expect(posted.status).toBe(202);
    expect(posted.headers.get('x-request-id')).toBe(requestId);
    const jobId = posted.body.jobId as string;
    await eventually(
      async () =>
        (await callJson(pair.api, 'GET', `/jobs/user/${jobId}`, undefined, auth)).body.state ===
        'completed',
      20_000,
      'the post to complete',
    ).catch((error: Error) => {
      throw new Error(`${error.message}; the worker said:\n${pair.worker.output().slice(-4000)}`);
    });
    // The platform received the token: it was really used, and still must not be logged.
    expect(platforms.requests.at(-1)?.headers.authorization).toBe(`Bearer ${platformToken}`);

    const apiLines = jsonLines(pair.api.output());
    expect(apiLines).toContainEqual(
      expect.objectContaining({
        requestId,
        req: { method: 'POST', url: '/api/posts' },
        res: { statusCode: 202 },
        level: 'info',
      }),
    );
    const workerLines = await eventually(() => {
      const lines = jsonLines(pair.worker.output()).filter((l) => l.jobId === jobId);
      return lines.some((l) => l.msg === 'job completed') && lines;
    });
    for (const line of workerLines) {
      expect(line).toMatchObject({
        requestId,
        queue: 'social-posting',
        ownerId: (registered.body.user as { id: string }).id,
        attempt: 1,
      });
    }
    // Lines from the handler itself (the publishing service) carry the same fields.
    expect(workerLines.map((l) => l.context)).toEqual(
      expect.arrayContaining(['SocialPublishing', 'Worker:social-posting']),
    );

    // A caller's id that is not a sane token is replaced, and the replacement returned.
    const odd = await callJson(pair.api, 'GET', '/auth/me', undefined, {
      ...auth,
      'X-Request-Id': 'bad id with spaces',
    });
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    // A refused request is a warning line under its own id (credentials in the query redacted);
    // probes are not logged at all.
    const refused = await callJson(pair.api, 'GET', '/jobs/user?token=leaked-secret', undefined, {
      'X-Request-Id': 'req-logs-0002',
    });
    expect(refused.status).toBe(401);
    await callJson(pair.api, 'GET', '/health/live');
    const refusedLine = await eventually(() =>
      jsonLines(pair.api.output()).find((l) => l.requestId === 'req-logs-0002'),
    );
    expect(refusedLine).toMatchObject({
      level: 'warn',
      req: { method: 'GET', url: '/api/jobs/user?token=[redacted]' },
      res: { statusCode: 401 },
      msg: 'GET /api/jobs/user?token=[redacted] 401 in ' + String(refusedLine.responseTime) + ' ms',
    });
    expect(pair.api.output()).not.toContain('leaked-secret');
    const probeLines = jsonLines(pair.api.output()).filter((l) =>
      /health/.test(String((l.req as { url?: string } | undefined)?.url)),
    );
    expect(probeLines).toEqual([]);

    const everything = pair.api.output() + pair.worker.output();
    for (const secret of [
      adminPassword,
      userPassword,
      platformToken,
      admin.body.accessToken as string,
      registered.body.accessToken as string,
    ]) {
      expect(everything).not.toContain(secret);
    }
  });
});
