import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Test } from 'supertest';
import { ApiClient, Session } from '../support/api-client';
import { dropTestData, startTestApp, TestApp } from '../support/test-app';
import { uniqueName } from '../support/test-env';

type Who = 'anonymous' | 'userA' | 'userB' | 'admin';
// Destructive calls that only A may make come last.
const ORDER: Who[] = ['anonymous', 'userB', 'admin', 'userA'];

interface Case {
  name: string;
  call: (token: string | undefined) => Test;
  expect: Record<Who, number>;
}

const anyoneSignedIn = (status: number) => ({
  anonymous: 401,
  userA: status,
  userB: status,
  admin: status,
});
const onlyA = (status: number) => ({ anonymous: 401, userA: status, userB: 404, admin: 404 });
const onlyAdmin = (status: number) => ({ anonymous: 401, userA: 403, userB: 403, admin: status });

/**
 * Every endpoint × {anonymous, user A, user B, admin} on the real app. A owns the jobs and the
 * content named in the paths; the app runs without workers, so A's jobs stay waiting.
 */
describe('authorization matrix', () => {
  let app: TestApp;
  let api: ApiClient;
  const sessions: Partial<Record<Who, Session>> = {};
  let jobA: string;
  let delayedA: string;
  let adminTarget: string;
  let contentA: string;
  const video = path.join(os.tmpdir(), `${uniqueName('clip')}.mp4`);

  beforeAll(async () => {
    app = await startTestApp(
      uniqueName('authz'),
      { APP_ROLE: 'api', ADMIN_EMAIL: 'boss@click.test', ADMIN_PASSWORD: 'boss-password' },
      { listen: true },
    );
    api = new ApiClient(app.app);
    sessions.userA = await api.register('Alice');
    sessions.userB = await api.register('Bob');
    sessions.admin = await api.login('boss@click.test', 'boss-password');
    const a = sessions.userA.token;
    jobA = (
      await api
        .call('post', '/content/generate', a)
        .send({ text: 'Hello world.', platforms: ['twitter'] })
    ).body.jobId as string;
    contentA = (await api.call('get', `/jobs/user/${jobA}`, a)).body.contentId as string;
    const later = new Date(Date.now() + 3_600_000).toISOString();
    delayedA = (
      await api
        .call('post', '/posts', a)
        .send({ platforms: ['twitter'], content: { text: 'later' }, scheduledAt: later })
    ).body.jobId as string;
    adminTarget = (
      await api
        .call('post', '/posts', a)
        .send({ platforms: ['twitter'], content: { text: 'admin' }, scheduledAt: later })
    ).body.jobId as string;
    writeFileSync(video, Buffer.alloc(2048, 1));
  });

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
  });

  const cases = (): Case[] => [
    {
      name: 'GET /health',
      call: (t) => api.call('get', '/health', t),
      expect: { anonymous: 200, userA: 200, userB: 200, admin: 200 },
    },
    {
      name: 'GET /health/live',
      call: (t) => api.call('get', '/health/live', t),
      expect: { anonymous: 200, userA: 200, userB: 200, admin: 200 },
    },
    {
      name: 'GET /health/ready',
      call: (t) => api.call('get', '/health/ready', t),
      expect: { anonymous: 200, userA: 200, userB: 200, admin: 200 },
    },
    {
      name: 'POST /auth/login',
      call: (t) =>
        api
          .call('post', '/auth/login', t)
          .send({ email: sessions.userA!.user.email, password: 'password123' }),
      expect: { anonymous: 200, userA: 200, userB: 200, admin: 200 },
    },
    {
      name: 'GET /auth/me',
      call: (t) => api.call('get', '/auth/me', t),
      expect: anyoneSignedIn(200),
    },
    {
      name: 'GET /auth/me/export',
      call: (t) => api.call('get', '/auth/me/export', t),
      expect: anyoneSignedIn(200),
    },
    {
      name: 'DELETE /auth/me (wrong password)',
      call: (t) => api.call('delete', '/auth/me', t).send({ password: 'not-my-password' }),
      expect: anyoneSignedIn(403),
    },
    {
      name: 'DELETE /users/:id (no such user)',
      call: (t) => api.call('delete', '/users/0123456789abcdef01234567', t),
      expect: onlyAdmin(404),
    },
    {
      name: 'GET /jobs/user',
      call: (t) => api.call('get', '/jobs/user', t),
      expect: anyoneSignedIn(200),
    },
    {
      name: "GET /jobs/user/:A's job",
      call: (t) => api.call('get', `/jobs/user/${jobA}`, t),
      expect: onlyA(200),
    },
    {
      name: "POST /jobs/user/:A's job/cancel",
      call: (t) => api.call('post', `/jobs/user/${delayedA}/cancel`, t),
      expect: onlyA(200),
    },
    {
      name: 'GET /jobs/dashboard',
      call: (t) => api.call('get', '/jobs/dashboard', t),
      expect: onlyAdmin(200),
    },
    {
      name: 'GET /jobs/dashboard/stats',
      call: (t) => api.call('get', '/jobs/dashboard/stats', t),
      expect: onlyAdmin(200),
    },
    {
      name: 'GET /jobs/dashboard/jobs/:queue',
      call: (t) => api.call('get', '/jobs/dashboard/jobs/content-generation', t),
      expect: onlyAdmin(200),
    },
    {
      name: 'GET /jobs/status/:queue/:id',
      call: (t) => api.call('get', `/jobs/status/content-generation/${jobA}`, t),
      expect: onlyAdmin(200),
    },
    {
      name: 'GET /jobs/stats/:queue',
      call: (t) => api.call('get', '/jobs/stats/email-sending', t),
      expect: onlyAdmin(200),
    },
    {
      name: 'POST /jobs/cancel/:queue/:id',
      call: (t) => api.call('post', `/jobs/cancel/scheduled-posts/${adminTarget}`, t),
      expect: onlyAdmin(200),
    },
    {
      name: 'POST /jobs/retry/:queue/:id',
      call: (t) => api.call('post', `/jobs/retry/scheduled-posts/${adminTarget}`, t),
      expect: onlyAdmin(200),
    },
    {
      name: 'POST /jobs/queues/:queue/pause',
      call: (t) => api.call('post', '/jobs/queues/email-sending/pause', t),
      expect: onlyAdmin(200),
    },
    {
      name: 'POST /jobs/queues/:queue/resume',
      call: (t) => api.call('post', '/jobs/queues/email-sending/resume', t),
      expect: onlyAdmin(200),
    },
    {
      name: 'POST /jobs/queues/:queue/retry-failed',
      call: (t) => api.call('post', '/jobs/queues/email-sending/retry-failed', t),
      expect: onlyAdmin(200),
    },
    {
      name: 'GET /jobs/breakers',
      call: (t) => api.call('get', '/jobs/breakers', t),
      expect: onlyAdmin(200),
    },
    {
      name: 'GET /jobs/breakers/accounts',
      call: (t) => api.call('get', '/jobs/breakers/accounts', t),
      expect: onlyAdmin(200),
    },
    {
      name: 'POST /jobs/breakers/:provider/open',
      call: (t) => api.call('post', '/jobs/breakers/linkedin/open', t),
      expect: onlyAdmin(200),
    },
    {
      name: 'POST /jobs/breakers/:provider/close',
      call: (t) => api.call('post', '/jobs/breakers/linkedin/close', t),
      expect: onlyAdmin(200),
    },
    {
      name: 'GET /jobs/search',
      call: (t) => api.call('get', '/jobs/search?q=x', t),
      expect: onlyAdmin(200),
    },
    {
      name: 'GET /jobs/failures',
      call: (t) => api.call('get', '/jobs/failures', t),
      expect: onlyAdmin(200),
    },
    {
      name: 'POST /jobs/failures/:group/retry',
      call: (t) => api.call('post', '/jobs/failures/0123456789abcdef/retry', t),
      expect: onlyAdmin(404),
    },
    {
      name: 'POST /jobs/failures/:group/discard',
      call: (t) => api.call('post', '/jobs/failures/0123456789abcdef/discard', t),
      expect: onlyAdmin(404),
    },
    {
      name: 'GET /jobs/audit',
      call: (t) => api.call('get', '/jobs/audit', t),
      expect: onlyAdmin(200),
    },
    {
      name: 'GET /jobs/maintenance',
      call: (t) => api.call('get', '/jobs/maintenance', t),
      expect: onlyAdmin(200),
    },
    {
      name: 'POST /jobs/maintenance/:task',
      call: (t) => api.call('post', '/jobs/maintenance/reconcile', t),
      expect: onlyAdmin(200),
    },
    {
      name: 'POST /content/generate',
      call: (t) =>
        api
          .call('post', '/content/generate', t)
          .send({ text: 'Some text.', platforms: ['linkedin'] }),
      expect: anyoneSignedIn(202),
    },
    {
      name: 'POST /posts',
      call: (t) =>
        api.call('post', '/posts', t).send({ platforms: ['twitter'], content: { text: 'now' } }),
      expect: anyoneSignedIn(202),
    },
    {
      name: "POST /transcripts on A's content",
      call: (t) =>
        api.call('post', '/transcripts', t).send({ contentId: contentA, language: 'en' }),
      expect: onlyA(202),
    },
    {
      name: 'POST /videos',
      call: (t) =>
        api.call('post', '/videos', t).attach('file', video, { contentType: 'video/mp4' }),
      expect: anyoneSignedIn(202),
    },
    {
      name: "GET /content/:A's content",
      call: (t) => api.call('get', `/content/${contentA}`, t),
      expect: onlyA(200),
    },
    {
      name: "GET /content/:A's content/files/:name",
      call: (t) => api.call('get', `/content/${contentA}/files/thumbnail.jpg`, t),
      // A's text-only content has no files: 404 for A too, but never another user's file.
      expect: onlyA(404),
    },
    {
      name: 'POST /social/accounts',
      call: (t) =>
        api
          .call('post', '/social/accounts', t)
          .send({ platform: 'linkedin', accessToken: 'tok-12345', externalId: 'urn:li:person:x' }),
      expect: anyoneSignedIn(201),
    },
    {
      name: 'GET /social/accounts',
      call: (t) => api.call('get', '/social/accounts', t),
      expect: anyoneSignedIn(200),
    },
    {
      name: 'DELETE /social/accounts/:platform',
      call: (t) => api.call('delete', '/social/accounts/linkedin', t),
      expect: anyoneSignedIn(204),
    },
  ];

  it('answers each endpoint with the expected status for each principal', async () => {
    const mismatches: string[] = [];
    for (const c of cases()) {
      for (const who of ORDER) {
        const res = await c.call(who === 'anonymous' ? undefined : sessions[who]!.token);
        if (res.status !== c.expect[who])
          mismatches.push(
            `${c.name} as ${who}: ${res.status} (expected ${c.expect[who]}) ${JSON.stringify(res.body)}`,
          );
        if (res.status >= 400)
          expect(res.body).toEqual({
            statusCode: res.status,
            message: expect.anything(),
            error: expect.any(String),
          });
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('never shows one user another user\u2019s jobs or accounts in their lists', async () => {
    const b = sessions.userB!.token;
    const jobs = (await api.call('get', '/jobs/user?limit=100', b)).body.items as { id: string }[];
    expect(jobs.map((j) => j.id)).not.toContain(jobA);
    await api
      .call('post', '/social/accounts', sessions.userA!.token)
      .send({ platform: 'twitter', accessToken: 'secret-token-of-alice' })
      .expect(201);
    const accounts = await api.call('get', '/social/accounts', b);
    expect(JSON.stringify(accounts.body)).not.toContain('alice');
    const own = await api.call('get', '/social/accounts', sessions.userA!.token);
    expect(own.body).toEqual([
      expect.objectContaining({ platform: 'twitter', tokenHint: '…lice' }),
    ]);
    expect(JSON.stringify(own.body)).not.toContain('secret-token');
  });
});
