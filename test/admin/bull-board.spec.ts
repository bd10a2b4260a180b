import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type Redis from 'ioredis';
import { Browser, chromium } from 'playwright-core';
import request from 'supertest';
import type { App } from 'supertest/types';
import { UsersService } from '../../src/auth/users.service';
import { REDIS_CLIENT } from '../../src/infra/redis/redis.module';
import { QUEUE_NAMES, QueuesService } from '../../src/queues';
import { BUILT_IN_QUEUES as ALL_QUEUES } from '../../src/queues/contracts/queue-names';
import { SocialAccountsService } from '../../src/social/social-accounts.service';
import { ApiClient, Session } from '../support/api-client';
import { HttpFake, RecordedRequest } from '../support/fakes/http-fake';
import { dropTestData, eventually, keysMatching, startTestApp, TestApp } from '../support/test-app';
import { ROOT, uniqueName } from '../support/test-env';

const ADMIN = { username: 'boss@click.test', password: 'boss-password' };
const USER_PASSWORD = 'password123';
const CHALLENGE = 'Basic realm="click-api admin", charset="UTF-8"';
const SCREENSHOT = path.join(ROOT, '.data/screenshots/bull-board.png');

const basic = (email: string, password: string) =>
  `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`;

/**
 * Bull Board on the real app (API + workers, real Redis and database): who may open it, over
 * plain HTTP and in headless Chromium, and an admin retrying a failed job from its UI.
 */
describe('Bull Board at /admin/queues', () => {
  let twitter: HttpFake;
  let app: TestApp;
  let api: ApiClient;
  let server: App;
  let user: Session;
  let admin: Session;

  beforeAll(async () => {
    twitter = await HttpFake.start();
    app = await startTestApp(
      uniqueName('board'),
      {
        ADMIN_EMAIL: ADMIN.username,
        ADMIN_PASSWORD: ADMIN.password,
        TWITTER_API_BASE_URL: twitter.url,
      },
      { listen: true },
    );
    api = new ApiClient(app.app);
    server = app.app.getHttpServer() as App;
    user = await api.register('Uma');
    admin = await api.login(ADMIN.username, ADMIN.password);
  });

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
    await twitter.stop();
  });

  const get = (url: string, authorization?: string) => {
    const req = request(server).get(url);
    return authorization ? req.set('authorization', authorization) : req;
  };
  const adminBasic = () => basic(ADMIN.username, ADMIN.password);
  const userBasic = () => basic(user.user.email, USER_PASSWORD);
  const socialPostingPaused = async () => {
    const board = await get('/admin/queues/api/queues', adminBasic());
    return (board.body.queues as { name: string; isPaused: boolean }[]).find(
      (q) => q.name === QUEUE_NAMES.SOCIAL_POSTING,
    )?.isPaused;
  };

  describe('over HTTP', () => {
    it('asks anonymous callers to sign in on the page, its assets and its API', async () => {
      const page = await get('/admin/queues', adminBasic());
      expect(page.status).toBe(200);
      const script = /<script[^>]*\ssrc="(static\/js\/[^"]+\.js)"/.exec(page.text)?.[1];
      expect(script).toBeDefined();
      const asset = `/admin/queues/${script}`;
      const loaded = await get(asset, adminBasic());
      expect(loaded.status).toBe(200);
      expect(loaded.headers['content-type']).toMatch(/javascript/);

      for (const url of [
        '/admin/queues',
        '/admin/queues/queue/social-posting',
        asset,
        '/admin/queues/api/queues',
      ]) {
        const res = await get(url);
        expect({ url, status: res.status }).toEqual({ url, status: 401 });
        expect(res.headers['www-authenticate']).toBe(CHALLENGE);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(res.body).toEqual({
          statusCode: 401,
          message: 'Sign in with an admin account to see the queues',
          error: 'Unauthorized',
        });
      }
    });

    it('refuses a wrong password, an unknown account or a bad token with 401 and asks again', async () => {
      for (const authorization of [
        basic(ADMIN.username, 'not-the-password'),
        basic('nobody@click.test', ADMIN.password),
      ]) {
        const res = await get('/admin/queues', authorization);
        expect(res.status).toBe(401);
        expect(res.headers['www-authenticate']).toBe(CHALLENGE);
        expect(res.body).toEqual({
          statusCode: 401,
          message: 'Invalid email or password',
          error: 'Unauthorized',
        });
      }
      const badToken = await get('/admin/queues/api/queues', `Bearer ${admin.token}x`);
      expect(badToken.status).toBe(401);
      expect(badToken.headers['www-authenticate']).toBe(CHALLENGE);
    });

    it('forbids a signed-in user who is not an admin, by password or by token', async () => {
      for (const authorization of [userBasic(), `Bearer ${user.token}`]) {
        for (const url of ['/admin/queues', '/admin/queues/api/queues']) {
          const res = await get(url, authorization);
          expect({ url, status: res.status }).toEqual({ url, status: 403 });
          expect(res.body).toEqual({
            statusCode: 403,
            message: 'The queue board is for admins only',
            error: 'Forbidden',
          });
        }
      }
      const pause = await request(server)
        .put('/admin/queues/api/queues/social-posting/pause')
        .set('authorization', userBasic());
      expect(pause.status).toBe(403);
      expect(await socialPostingPaused()).toBe(false);
    });

    it('serves the board and its API to an admin, by password or by token', async () => {
      for (const authorization of [adminBasic(), `Bearer ${admin.token}`]) {
        const page = await get('/admin/queues', authorization);
        expect(page.status).toBe(200);
        expect(page.text).toContain('<base href="/admin/queues/" />');
        expect(page.text).toContain('<title>click-api</title>');

        const board = await get('/admin/queues/api/queues', authorization);
        expect(board.status).toBe(200);
        const names = (board.body.queues as { name: string }[]).map((q) => q.name);
        // The six product queues and the crons' maintenance queue (one job per tick).
        expect(names.sort()).toEqual([...ALL_QUEUES, 'maintenance'].sort());
      }
    });

    it('is not under the /api prefix', async () => {
      for (const url of ['/api/admin/queues', '/api/admin/queues/api/queues']) {
        const res = await get(url, `Bearer ${admin.token}`);
        expect(res.status).toBe(404);
        expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
      }
    });

    it('checks the stored role on every request, even while a password is remembered', async () => {
      const users = app.get(UsersService);
      const deputy = await users.create({
        email: `deputy-${Date.now()}@click.test`,
        password: 'deputy-password',
        name: 'Deputy',
        role: 'admin',
      });
      const authorization = basic(deputy.email, 'deputy-password');
      expect((await get('/admin/queues/api/queues', authorization)).status).toBe(200);
      await users.setRole(deputy._id, 'user');
      expect((await get('/admin/queues/api/queues', authorization)).status).toBe(403);
    });

    it('refuses changes sent from another site with the browser’s remembered credentials', async () => {
      const res = await request(server)
        .put('/admin/queues/api/queues/social-posting/pause')
        .set('authorization', adminBasic())
        .set('origin', 'https://evil.example');
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
      expect(await socialPostingPaused()).toBe(false);
    });
  });

  describe('in a browser', () => {
    let browser: Browser;
    let baseURL: string;

    beforeAll(async () => {
      browser = await chromium.launch({
        executablePath: '/usr/bin/chromium',
        args: ['--no-sandbox'],
      });
      baseURL = await app.app.getUrl();
    });

    afterAll(async () => {
      await browser?.close();
    });

    it('lets an admin find a failed job and retry it: it completes, and the retry is audited', async () => {
      // Twitter refuses the first post (a permanent 4xx: no automatic retry), then accepts.
      const tweets: RecordedRequest[] = [];
      twitter.on('POST', '/2/tweets', (r) => {
        tweets.push(r);
        return tweets.length === 1
          ? { status: 400, body: { title: 'Invalid Request', detail: 'Try again later' } }
          : { status: 201, body: { data: { id: '4242', text: 'ok' } } };
      });
      await app.get(SocialAccountsService).link(user.user.id, 'twitter', 'tw-token-uma');
      const queues = app.get(QueuesService);
      const { jobId } = await queues.addSocialPostJob({
        userId: user.user.id,
        platforms: ['twitter'],
        content: { text: 'Retried from the board' },
      });
      const failed = await eventually(async () => {
        const s = await queues.getJobStatus(QUEUE_NAMES.SOCIAL_POSTING, jobId);
        return s.state === 'failed' && s;
      });
      expect(failed.failedReason).toMatch(/twitter: HTTP 400/);

      const context = await browser.newContext({ baseURL, httpCredentials: ADMIN });
      const page = await context.newPage();
      const opened = await page.goto('/admin/queues');
      expect(opened?.status()).toBe(200);
      const sidebar = page.getByRole('navigation');
      for (const name of ALL_QUEUES)
        await sidebar.getByRole('link', { name, exact: true }).waitFor({ state: 'visible' });

      await sidebar.getByRole('link', { name: QUEUE_NAMES.SOCIAL_POSTING, exact: true }).click();
      await page
        .locator('main')
        .getByRole('link', { name: /^failed/i })
        .click();
      await page.waitForURL(/\/admin\/queues\/queue\/social-posting\?status=failed$/);
      await page.getByRole('link', { name: jobId }).click();
      await page.waitForURL(new RegExp(`/admin/queues/queue/social-posting/${jobId}`));
      await page.getByText('twitter: HTTP 400').first().waitFor();

      // The job's actions are icon buttons; the one whose tooltip says "Retry".
      const retry = page
        .locator('ul[class*=jobActions] button')
        .filter({ has: page.locator('svg.lucide-refresh-cw') });
      await retry.hover();
      await page.getByText('Retry', { exact: true }).waitFor();
      await retry.click();
      const confirm = page.getByRole('dialog').or(page.getByRole('alertdialog'));
      await confirm.getByText('Are you sure that you want to retry this job?').waitFor();
      const retried = page.waitForResponse(
        (r) => r.request().method() === 'PUT' && r.url().endsWith(`/${jobId}/retry`),
      );
      await confirm.getByRole('button', { name: 'Confirm' }).click();
      expect((await retried).status()).toBeLessThan(300);

      const done = await eventually(async () => {
        const s = await queues.getJobStatus(QUEUE_NAMES.SOCIAL_POSTING, jobId);
        return s.state === 'completed' && s;
      });
      expect(done.returnValue).toMatchObject({
        platforms: [{ platform: 'twitter', state: 'posted', postId: '4242' }],
      });
      expect(tweets).toHaveLength(2);
      expect(tweets[1].body).toEqual({ text: 'Retried from the board' });
      // The owner sees it completed too.
      const own = await api.call('get', `/jobs/user/${jobId}`, user.token);
      expect(own.body).toMatchObject({ id: jobId, state: 'completed' });

      await page.goto('/admin/queues/queue/social-posting?status=completed');
      await page.getByRole('link', { name: jobId }).waitFor();
      mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      await context.close();

      const retryPath = `/admin/queues/api/queues/social-posting/${jobId}/retry`;
      const entry = await eventually(async () => {
        const audit = await api.call('get', '/jobs/audit', admin.token);
        const items = audit.body.items as { action: string }[];
        return items.find((e) => e.action === `bull-board:PUT ${retryPath}`);
      });
      expect(entry).toMatchObject({
        actorId: admin.user.id,
        actorEmail: ADMIN.username,
        target: { path: retryPath },
        outcome: 'ok',
      });
      // Only changes are audited, not the board's reads and polling.
      const audit = await api.call('get', '/jobs/audit', admin.token);
      const actions = (audit.body.items as { action: string }[]).map((e) => e.action);
      expect(actions.filter((a) => a.startsWith('bull-board:GET'))).toEqual([]);
    });

    it('shows a signed-in user who is not an admin a 403', async () => {
      const context = await browser.newContext({
        baseURL,
        httpCredentials: { username: user.user.email, password: USER_PASSWORD },
      });
      const page = await context.newPage();
      const res = await page.goto('/admin/queues');
      expect(res?.status()).toBe(403);
      expect(await page.locator('body').innerText()).toContain(
        'The queue board is for admins only',
      );
      await context.close();
    });
  });

  describe('failed sign-ins', () => {
    it('are limited per address (429 with Retry-After), while a signed-in admin keeps polling', async () => {
      // Start from a clean count: the tests above failed a few sign-ins on purpose.
      const redis = app.get<Redis>(REDIS_CLIENT);
      const counters = await keysMatching(
        redis,
        `${app.config.redisKeys.base}:admin-board:failed-sign-ins:*`,
      );
      if (counters.length) await redis.del(...counters);
      expect((await get('/admin/queues/api/queues', adminBasic())).status).toBe(200);

      const guess = basic(ADMIN.username, 'guess');
      for (let attempt = 1; attempt <= 10; attempt++)
        expect({ attempt, status: (await get('/admin/queues', guess)).status }).toEqual({
          attempt,
          status: 401,
        });
      const blocked = await get('/admin/queues', guess);
      expect(blocked.status).toBe(429);
      expect(blocked.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
      const retryAfter = Number(blocked.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // Even right credentials not yet verified wait; an admin whose sign-in is remembered does not.
      // (Upper case: the same account, but a header not verified before.)
      const fresh = basic(user.user.email.toUpperCase(), USER_PASSWORD);
      expect((await get('/admin/queues', fresh)).status).toBe(429);
      expect((await get('/admin/queues/api/queues', adminBasic())).status).toBe(200);
    });

    it('count guesses sent all at once too, before any password check has failed', async () => {
      const redis = app.get<Redis>(REDIS_CLIENT);
      const counters = await keysMatching(
        redis,
        `${app.config.redisKeys.base}:admin-board:failed-sign-ins:*`,
      );
      if (counters.length) await redis.del(...counters);
      const guesses = Array.from({ length: 16 }, (_, i) =>
        get('/admin/queues', basic(ADMIN.username, `parallel-guess-${i}`)),
      );
      const statuses = (await Promise.all(guesses)).map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 401)).toHaveLength(10);
      expect(statuses.filter((s) => s === 429)).toHaveLength(6);
    });
  });
});
