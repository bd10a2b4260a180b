import { JwtService } from '@nestjs/jwt';
import request from 'supertest';
import type { App } from 'supertest/types';
import { gzipSync } from 'node:zlib';
import { ApiClient, Session } from '../support/api-client';
import { dropTestData, startTestApp, TestApp } from '../support/test-app';
import { uniqueName } from '../support/test-env';

/** Every route of the API (as the OpenAPI test lists them), path parameters in braces. */
const ROUTES: [method: 'get' | 'post' | 'delete', path: string][] = [
  ['post', '/auth/register'],
  ['post', '/auth/login'],
  ['get', '/auth/me'],
  ['get', '/jobs/user'],
  ['get', '/jobs/user/{jobId}'],
  ['post', '/jobs/user/{jobId}/cancel'],
  ['get', '/jobs/dashboard'],
  ['get', '/jobs/dashboard/stats'],
  ['get', '/jobs/dashboard/jobs/{queueName}'],
  ['get', '/jobs/status/{queueName}/{jobId}'],
  ['get', '/jobs/stats/{queueName}'],
  ['post', '/jobs/cancel/{queueName}/{jobId}'],
  ['post', '/jobs/retry/{queueName}/{jobId}'],
  ['post', '/jobs/queues/{queueName}/pause'],
  ['post', '/jobs/queues/{queueName}/resume'],
  ['post', '/jobs/queues/{queueName}/retry-failed'],
  ['get', '/jobs/audit'],
  ['get', '/jobs/maintenance'],
  ['post', '/jobs/maintenance/{task}'],
  ['post', '/content/generate'],
  ['get', '/content/{id}'],
  ['get', '/content/{id}/files/{name}'],
  ['post', '/posts'],
  ['post', '/transcripts'],
  ['post', '/videos'],
  ['post', '/social/accounts'],
  ['get', '/social/accounts'],
  ['delete', '/social/accounts/{platform}'],
];

/** Odd values for a path segment: operators, traversal, huge, unicode, prototype keys, numbers. */
const ODD_SEGMENTS = [
  '%24ne',
  '%7B%22%24gt%22%3A%22%22%7D',
  '..%2F..%2Fetc%2Fpasswd',
  '%00',
  'a'.repeat(600),
  '%F0%9F%92%A5',
  '__proto__',
  'constructor',
  '-1',
  '9'.repeat(40),
  'ffffffffffffffffffffffff',
  'a%3Ab',
];

/** Odd query strings, for the routes that read one. */
const ODD_QUERIES = [
  'limit=-1',
  'limit=abc',
  'limit=1e9',
  'limit[]=1',
  'state=bogus',
  'state[$ne]=x',
  'queue[$ne]=x',
  'queue=__proto__',
  'page=-5',
  'cursor=',
  `cursor=${Buffer.from('9999999999999999999.x').toString('base64url')}`,
  `cursor=${Buffer.from('-1.x').toString('base64url')}`,
  'cursor=%00%01',
  `cursor=${'A'.repeat(5000)}`,
  'cursor[$gt]=',
  '__proto__[admin]=1',
];

/** Odd JSON bodies: wrong types, operator objects, huge and unicode values, prototype keys. */
const ODD_BODIES: unknown[] = [
  null,
  [],
  'text',
  42,
  true,
  { $ne: null },
  { text: { $ne: null }, platforms: { $ne: null } },
  { platforms: 'twitter', content: { text: 'x' } },
  { platforms: 7, content: { text: 'x' } },
  { platforms: true, content: 'x' },
  { platforms: {}, content: { text: 'x' } },
  { platforms: [{}], content: { text: ['x'] } },
  { email: { $gt: '' }, password: { $ne: 1 } },
  { email: 'a@b.c', password: 'x'.repeat(100_000), name: '💥'.repeat(1000) },
  { text: 'x'.repeat(200_000), platforms: ['twitter'] },
  JSON.parse('{"__proto__": {"admin": true}, "constructor": {"prototype": {"x": 1}}}'),
  { contentId: { $where: 'sleep(1)' }, language: [], videoUrl: 12 },
  { platform: '__proto__', accessToken: { toString: 1 } },
  { scheduledAt: 'not a date', platforms: ['twitter'], content: { text: 'x' } },
  { scheduledAt: 1e20, platforms: ['twitter'], content: { text: 'x' } },
  { a: { b: { c: { d: { e: { f: { g: { h: { i: { j: {} } } } } } } } } } },
];

/**
 * No input reaches a 5xx: every route gets odd path segments, query strings, bodies, encodings
 * and token claims, and must answer with a 4xx (or a 2xx where the input is in fact acceptable).
 */
describe('bad input never answers 5xx', () => {
  const name = uniqueName('badinput');
  let app: TestApp;
  let api: ApiClient;
  let user: Session;
  let admin: Session;
  const fivexx: string[] = [];
  let sent = 0;

  beforeAll(async () => {
    app = await startTestApp(
      name,
      {
        APP_ROLE: 'api',
        ADMIN_EMAIL: 'ops@click.test',
        ADMIN_PASSWORD: 'ops-password',
        THROTTLE_LIMIT: '100000',
        USER_MAX_PENDING_JOBS: '100000',
      },
      { listen: true },
    );
    api = new ApiClient(app.app);
    user = await api.register('Mallory');
    admin = await api.login('ops@click.test', 'ops-password');
  });

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
  });

  const server = () => app.app.getHttpServer() as App;
  const fill = (path: string, value: string) => path.replace(/\{[^}]+\}/g, value);
  const check = async (what: string, req: request.Test) => {
    sent++;
    const res = await req;
    if (res.status >= 500) fivexx.push(`${what} → ${res.status} ${JSON.stringify(res.body)}`);
    return res;
  };
  const call = (method: string, path: string, token: string) =>
    request(server())[method as 'get'](`/api${path}`).set('authorization', `Bearer ${token}`);

  it('odd path segments, query strings and bodies, as a user and as an admin', async () => {
    for (const [method, path] of ROUTES) {
      for (const token of [user.token, admin.token]) {
        if (path.includes('{'))
          for (const odd of ODD_SEGMENTS)
            await check(`${method} ${fill(path, odd)}`, call(method, fill(path, odd), token));
        const plain = fill(path, 'x');
        for (const query of ODD_QUERIES)
          await check(`${method} ${plain}?${query}`, call(method, `${plain}?${query}`, token));
        if (method !== 'get')
          for (const body of ODD_BODIES)
            await check(
              `${method} ${plain} ${JSON.stringify(body)?.slice(0, 80)}`,
              call(method, plain, token)
                .set('content-type', 'application/json')
                .send(JSON.stringify(body)),
            );
      }
    }
    expect(fivexx).toEqual([]);
  });

  it('broken bodies are 400, unsupported encodings and charsets 415, never 5xx', async () => {
    const json = JSON.stringify({ text: 'hello', platforms: ['twitter'] });
    const encodings: [string, Buffer | string, number][] = [
      ['gzip', json, 400],
      ['deflate', json, 400],
      ['br', json, 400],
      ['zstd', json, 415],
      ['x-unknown', json, 415],
      ['gzip', gzipSync(Buffer.from('{"text": ')), 400],
    ];
    for (const [encoding, body, status] of encodings) {
      const res = await check(
        `content-encoding ${encoding}`,
        call('post', '/content/generate', user.token)
          .set('content-type', 'application/json')
          .set('content-encoding', encoding)
          .send(body),
      );
      expect({ encoding, status: res.status }).toEqual({ encoding, status });
      expect(res.body).toMatchObject({ statusCode: status });
    }
    const charset = await check(
      'charset',
      call('post', '/content/generate', user.token)
        .set('content-type', 'application/json; charset=klingon')
        .send(json),
    );
    expect(charset.status).toBe(415);
  });

  it('signed tokens with claims of the wrong type are refused with 401', async () => {
    // Signed with the app's own secret, but with no default expiry, so `exp` can be set by hand.
    const jwt = new JwtService({ secret: app.config.jwt.secret });
    const claims: object[] = [
      { sub: 12345 },
      { sub: { $ne: null } },
      { sub: ['x'] },
      { sub: true },
      {},
      { sub: user.user.id, exp: 1 },
    ];
    for (const claim of claims) {
      const res = await check(
        `token ${JSON.stringify(claim)}`,
        call('get', '/auth/me', jwt.sign(claim)),
      );
      expect({ claim, status: res.status }).toEqual({ claim, status: 401 });
    }
    for (const token of ['', 'x', 'a.b.c', `${user.token}x`, 'eyJhbGciOiJub25lIn0.e30.'])
      expect((await check(`token ${token}`, call('get', '/auth/me', token))).status).toBe(401);
  });

  it('posts with platforms that are not a list answer 400 naming the field', async () => {
    for (const platforms of ['twitter', 7, true, {}, { $ne: null }]) {
      const res = await check(
        `posts platforms ${JSON.stringify(platforms)}`,
        call('post', '/posts', user.token).send({ platforms, content: { text: 'x' } }),
      );
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.message)).toContain('platforms');
    }
    expect(fivexx).toEqual([]);
    // The corpus is as large as it claims.
    expect(sent).toBeGreaterThanOrEqual(300);
  });
});
