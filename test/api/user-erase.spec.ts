import { getConnectionToken } from '@nestjs/mongoose';
import type Redis from 'ioredis';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Connection } from 'mongoose';
import { REDIS_CLIENT } from '../../src/infra/redis/redis.module';
import { QueueRegistry } from '../../src/queues';
import { UsersService } from '../../src/auth/users.service';
import { Types } from 'mongoose';
import { ApiClient, Session } from '../support/api-client';
import { AppProcess, spawnApp } from '../support/app-process';
import { contentOfJob, pipelineEnded } from '../support/content-api';
import { chatCompletion, HttpFake } from '../support/fakes/http-fake';
import { makeSpokenClip } from '../support/media-fixtures';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { keyPatterns } from '../../src/config/redis-keys';
import { Env, testEnv, uniqueName } from '../support/test-env';
import { filesUnder, findTraces } from '../support/user-traces';

const ADMIN = { email: 'ops@erase.test', password: 'ops-password-1' };
const PASSWORD = 'password123';
const FINISHED = ['completed', 'failed', 'cancelled'];

interface Export {
  format: string;
  profile: { id: string; email: string; name: string; role: string };
  socialAccounts: { platform: string }[];
  jobs: {
    id: string;
    queue: string;
    state: string;
    payload: Record<string, unknown>;
    result?: unknown;
  }[];
  contents: { id: string; posts: object; media: Record<string, unknown> }[];
  scheduledPosts: { id: string; state: string }[];
  socialPostLedger: { id: string; jobId: string; state: string }[];
  mailLedger: { jobId: string; state: string }[];
  auditEntries: { action: string; target: Record<string, unknown> }[];
}

/** What each user was given (to check that it is gone, or still there). */
interface Holdings {
  session: Session;
  tokens: string[];
  jobIds: string[];
  contentIds: string[];
  cancelledByAdmin: string;
}

/**
 * A user's data, exported and erased, with the API in this process and the workers in a second
 * process (dist/main.js, APP_ROLE=worker): two users get data in every collection, Redis
 * structure and data folder the product has; one is exported, then erased while one of their
 * jobs runs in the worker process; nothing of them may be left anywhere, and the other user's
 * data stays as it was.
 */
describe("a user's data: export and erase", () => {
  let dir: string;
  let env: Env;
  let app: TestApp;
  let worker: AppProcess;
  let api: ApiClient;
  let llm: HttpFake;
  let platforms: HttpFake;
  let admin: Session;
  let alice: Holdings;
  let bob: Holdings;

  const call = (...args: Parameters<ApiClient['call']>) => api.call(...args);
  const finished = (who: Session, jobId: string, timeoutMs = 60_000) =>
    eventually(
      async () => {
        const res = await call('get', `/jobs/user/${jobId}`, who.token);
        const job = res.body as { state: string };
        return FINISHED.includes(job.state) && job;
      },
      timeoutMs,
      `job ${jobId} finished`,
    );
  const submit = async (who: Session, route: string, body: object, headers = {}) => {
    const res = await call('post', route, who.token).set(headers).send(body);
    expect(res.status).toBe(202);
    return res.body.jobId as string;
  };

  /** Accounts, generated content, a post, two scheduled posts, a failed transcript, an upload. */
  async function fill(session: Session, clip: string | undefined): Promise<Holdings> {
    const tag = session.user.name.toLowerCase();
    const tokens = [`tw-secret-token-${tag}-0001`, `li-secret-token-${tag}-0002`];
    await call('post', '/social/accounts', session.token)
      .send({ platform: 'twitter', accessToken: tokens[0], handle: `@${tag}` })
      .expect(201);
    await call('post', '/social/accounts', session.token)
      .send({ platform: 'linkedin', accessToken: tokens[1], externalId: `urn:li:person:${tag}` })
      .expect(201);
    const generate = await submit(
      session,
      '/content/generate',
      { text: `Launch notes of ${tag}.`, platforms: ['twitter'] },
      { 'idempotency-key': `generate-${tag}` },
    );
    expect(await finished(session, generate)).toMatchObject({ state: 'completed' });
    const contentId = await contentOfJob(api, session, generate);
    const post = await submit(session, '/posts', {
      platforms: ['twitter'],
      contentId,
      content: { text: `Posted by ${tag}` },
    });
    expect(await finished(session, post)).toMatchObject({ state: 'completed' });
    const later = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
    const scheduled = await submit(session, '/posts', {
      platforms: ['linkedin'],
      content: { text: `Later, by ${tag}` },
      scheduledAt: later(1),
    });
    await call('get', `/jobs/user/${scheduled}`, session.token).expect(200, /"state":"delayed"/);
    const cancelledByAdmin = await submit(session, '/posts', {
      platforms: ['twitter'],
      content: { text: `Much later, by ${tag}` },
      scheduledAt: later(2),
    });
    await call('post', `/jobs/cancel/scheduled-posts/${cancelledByAdmin}`, admin.token).expect(200);
    // A private address is refused: a job that fails for good (and joins a failure group).
    const transcript = await submit(session, '/transcripts', {
      contentId,
      videoUrl: 'http://127.0.0.1:9/clip.mp4',
      language: 'en',
    });
    expect(await finished(session, transcript)).toMatchObject({ state: 'failed' });
    const video = clip
      ? await call('post', '/videos', session.token)
          .attach('file', clip, { filename: 'clip.mp4', contentType: 'video/mp4' })
          .field('platforms', 'twitter')
          .expect(202)
      : await call('post', '/videos', session.token)
          // Binary with no container signature: stored, then failed by ffprobe.
          .attach('file', Buffer.concat([Buffer.alloc(16), Buffer.from(`not a video of ${tag}`)]), {
            filename: 'broken.mp4',
            contentType: 'video/mp4',
          })
          .expect(202);
    const videoContent = await contentOfJob(api, session, video.body.jobId);
    await pipelineEnded(api, session, videoContent, 120_000);
    const jobs = await call('get', '/jobs/user?limit=100', session.token).expect(200);
    return {
      session,
      tokens,
      jobIds: jobs.body.items.map((j: { id: string }) => j.id),
      contentIds: [contentId, videoContent],
      cancelledByAdmin,
    };
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'click-erase-'));
    const clip = await makeSpokenClip(dir, 'hello world');
    llm = await HttpFake.start();
    // A text saying HOLD keeps its job active until release(): a job running when the erase comes.
    llm.on('POST', '/v1/chat/completions', (r) =>
      JSON.stringify(r.body).includes('HOLD')
        ? 'hold'
        : chatCompletion({ text: 'A generated post', hashtags: ['launch'] }),
    );
    platforms = await HttpFake.start();
    let tweets = 0;
    platforms.on('POST', '/2/tweets', () => ({
      status: 201,
      body: { data: { id: String(1000 + ++tweets), text: 'ok' } },
    }));
    const name = uniqueName('erase');
    env = testEnv(name, {
      DATA_DIR: path.join(dir, 'data'),
      LLM_BASE_URL: `${llm.url}/v1`,
      LLM_API_KEY: 'sk-test',
      TWITTER_API_BASE_URL: platforms.url,
      LINKEDIN_API_BASE_URL: platforms.url,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      VIDEO_RENDITION_HEIGHT: '120',
      JOB_BACKOFF_DELAY_MS: '100',
      LOG_LEVEL: 'error',
    });
    app = await startTestApp(name, { ...env, APP_ROLE: 'api' }, { listen: true });
    worker = await spawnApp({ ...env, APP_ROLE: 'worker' });
    api = new ApiClient(app.app);
    admin = await api.login(ADMIN.email, ADMIN.password);
    const [a, b] = [await api.register('Alice'), await api.register('Bob')];
    alice = await fill(a, clip);
    bob = await fill(b, undefined);
    // Their welcome emails went out (mail ledger entries, outbox files).
    for (const who of [a, b])
      await eventually(async () => {
        const res = await call('get', '/jobs/user?queue=email-sending', who.token);
        const items = (res.body as { items: { state: string }[] }).items;
        return items.some((j) => j.state === 'completed');
      });
  }, 300_000);

  afterAll(async () => {
    llm?.release(chatCompletion({ text: 'late' }));
    await worker?.stop();
    if (app) {
      await dropTestData(app);
      await app.close();
    }
    await llm?.stop();
    await platforms?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const traces = (needles: string[]) =>
    findTraces(
      {
        db: app.get<Connection>(getConnectionToken()).db!,
        redis: app.get<Redis>(REDIS_CLIENT),
        prefixes: keyPatterns(app.config.redisPrefix, app.config.redis.topology === 'cluster'),
        dataDir: app.config.dataDir,
      },
      needles,
    );

  it('exports everything held about the caller as one JSON download, and nothing of anyone else', async () => {
    const res = await call('get', '/auth/me/export', alice.session.token)
      .buffer(true)
      .parse((response, done) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        response.on('end', () => done(null, text));
      })
      .expect(200);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename=".+\.json"$/);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const text = res.body as string;
    const data = JSON.parse(text) as Export;
    const me = alice.session.user;
    expect(data.profile).toEqual({ ...me, createdAt: expect.any(String) });
    expect(data.socialAccounts.map((a) => a.platform).sort()).toEqual(['linkedin', 'twitter']);
    for (const secret of [...alice.tokens, 'passwordHash', 'tokenCiphertext', 'tokenHint'])
      expect(text).not.toContain(secret);

    expect(data.jobs.map((j) => j.id).sort()).toEqual([...alice.jobIds].sort());
    const generate = data.jobs.find(
      (j) => j.queue === 'content-generation' && j.payload.text === 'Launch notes of alice.',
    );
    expect(generate).toMatchObject({ state: 'completed', payload: { userId: me.id } });
    expect(generate?.result).toBeDefined();
    const welcome = data.jobs.find((j) => j.queue === 'email-sending');
    expect(welcome?.payload).toMatchObject({ to: me.email, template: 'welcome' });
    expect(data.jobs.map((j) => j.queue)).toEqual(
      expect.arrayContaining([
        'social-posting',
        'scheduled-posts',
        'transcript-generation',
        'video-processing',
      ]),
    );
    expect(data.contents.map((c) => c.id)).toEqual(expect.arrayContaining(alice.contentIds));
    const video = data.contents.find((c) => c.id === alice.contentIds[1]);
    expect(video?.media).toHaveProperty('video');
    expect(data.scheduledPosts.map((p) => p.state).sort()).toEqual(['cancelled', 'scheduled']);
    expect(data.socialPostLedger).toEqual([expect.objectContaining({ state: 'posted' })]);
    expect(data.mailLedger).toEqual(
      expect.arrayContaining([expect.objectContaining({ state: 'sent' })]),
    );
    expect(data.auditEntries).toEqual([
      expect.objectContaining({
        action: 'job.cancel',
        target: { queue: 'scheduled-posts', jobId: alice.cancelledByAdmin, ownerId: me.id },
      }),
    ]);
    const others = [bob.session.user.id, bob.session.user.email, ...bob.tokens, ...bob.jobIds];
    for (const other of others) expect(text).not.toContain(other);
  });

  it('refuses an erase without the right password, of the last admin, or by a non-admin', async () => {
    await call('delete', '/auth/me').send({ password: PASSWORD }).expect(401);
    const missing = await call('delete', '/auth/me', alice.session.token).send({}).expect(400);
    expect(missing.body.message).toEqual(expect.arrayContaining(['password should not be empty']));
    const wrong = await call('delete', '/auth/me', alice.session.token)
      .send({ password: 'not-the-password' })
      .expect(403);
    expect(wrong.body.message).toBe('The password is not correct');
    await call('delete', `/users/${bob.session.user.id}`, alice.session.token).expect(403);
    const bad = await call('delete', '/users/not-an-id', admin.token).expect(400);
    expect(bad.body.message).toEqual(['id must be a user id (24 hexadecimal characters)']);
    const last = await call('delete', `/users/${admin.user.id}`, admin.token).expect(409);
    expect(last.body.message).toMatch(/last admin/);
    await call('delete', '/auth/me', admin.token).send({ password: ADMIN.password }).expect(409);
    await call('get', '/auth/me', alice.session.token).expect(200);
    await call('get', '/auth/me', admin.token).expect(200);
  });

  it('erases the caller while one of their jobs runs in the worker process; nothing of them is left, the other user keeps everything', async () => {
    const running = await submit(alice.session, '/content/generate', {
      text: 'HOLD this one',
      platforms: ['twitter'],
    });
    await eventually(async () => {
      const res = await call('get', `/jobs/user/${running}`, alice.session.token);
      return res.body.state === 'active' && llm.held.length > 0;
    });
    const erased = await call('delete', '/auth/me', alice.session.token)
      .send({ password: PASSWORD })
      .expect(200);
    // Her two contents, and the one made for the job still running.
    expect(erased.body).toMatchObject({ erased: true, contents: 3, tookMs: expect.any(Number) });
    expect(erased.body.jobs).toBe(alice.jobIds.length + 1);
    // The provider answers only now: the worker's late finish must not write anything back.
    llm.release(chatCompletion({ text: 'A late post', hashtags: [] }));
    await new Promise((resolve) => setTimeout(resolve, 3000));

    // A job of hers that slipped past the erase (queued straight into BullMQ, as a racing
    // producer might) reaches the worker process: it runs nothing and leaves nothing, itself included.
    const queue = await app.get(QueueRegistry).use('content-generation');
    const late = await queue.add('generate-content', {
      userId: alice.session.user.id,
      text: `Late words of ${alice.session.user.email}`,
      platforms: ['twitter'],
    });
    await eventually(async () => !(await queue.getJob(late.id!)), 20_000, 'the late job gone');

    await call('get', '/auth/me', alice.session.token).expect(401);
    await call('post', '/auth/login')
      .send({ email: alice.session.user.email, password: PASSWORD })
      .expect(401);
    const again = await call('delete', `/users/${alice.session.user.id}`, admin.token).expect(404);
    expect(again.body.message).toBe('No such user');

    expect(await traces([alice.session.user.id, alice.session.user.email])).toEqual([]);

    // Bob's data is untouched: his jobs, contents, accounts and files.
    const jobs = await call('get', '/jobs/user?limit=100', bob.session.token).expect(200);
    expect(jobs.body.items.map((j: { id: string }) => j.id).sort()).toEqual([...bob.jobIds].sort());
    for (const id of bob.contentIds)
      await call('get', `/content/${id}`, bob.session.token).expect(200);
    const accounts = await call('get', '/social/accounts', bob.session.token).expect(200);
    expect(accounts.body).toHaveLength(2);
    const files = (await filesUnder(app.config.dataDir)).filter((f) => !f.isDir).map((f) => f.file);
    expect(files.filter((f) => f.startsWith(app.config.api.uploads.dir))).toHaveLength(1);
    expect(files.filter((f) => f.endsWith('.eml'))).toHaveLength(1);

    // The audit log keeps the admin's action on her job, without her.
    const audit = await call('get', '/jobs/audit?limit=50', admin.token).expect(200);
    const onHerJob = audit.body.items.find(
      (e: { target: { jobId?: string } }) => e.target.jobId === alice.cancelledByAdmin,
    );
    expect(onHerJob).toMatchObject({
      action: 'job.cancel',
      target: { jobId: alice.cancelledByAdmin, ownerId: 'erased-user' },
    });
  });

  it('lets an admin erase a user: audited, and nothing of them is left', async () => {
    // Two at once: one erases, the other finds it under way (409) or done (404).
    const [first, second] = await Promise.all(
      [0, 1].map(() => call('delete', `/users/${bob.session.user.id}`, admin.token)),
    );
    const [res, other] = first.status === 200 ? [first, second] : [second, first];
    expect(res.status).toBe(200);
    expect([404, 409]).toContain(other.status);
    expect(res.body).toMatchObject({ erased: true, jobs: bob.jobIds.length, contents: 2 });
    await call('get', '/auth/me', bob.session.token).expect(401);
    const audit = await call('get', '/jobs/audit?limit=5', admin.token).expect(200);
    const done = (audit.body.items as { outcome: string }[]).find((e) => e.outcome === 'ok');
    expect(done).toMatchObject({
      action: 'user.erase',
      actorId: admin.user.id,
      target: { userId: 'erased-user', jobs: bob.jobIds.length, contents: 2 },
      outcome: 'ok',
    });
    expect(await traces([bob.session.user.id, bob.session.user.email])).toEqual([]);
    await call('delete', `/users/${bob.session.user.id}`, admin.token).expect(404);
  });

  it('lets a second admin erase themselves (the audit entry of it names no one), not the last one', async () => {
    const carol = await api.register('Carol');
    await app.get(UsersService).setRole(new Types.ObjectId(carol.user.id), 'admin');
    await call('get', '/jobs/audit?limit=1', carol.token).expect(200);
    const res = await call('delete', `/users/${carol.user.id}`, carol.token).expect(200);
    expect(res.body).toMatchObject({ erased: true });
    await call('get', '/jobs/audit?limit=1', carol.token).expect(401);
    const audit = await call('get', '/jobs/audit?limit=1', admin.token).expect(200);
    expect(audit.body.items[0]).toMatchObject({
      action: 'user.erase',
      actorId: 'erased-user',
      actorEmail: 'erased-user',
      target: { userId: 'erased-user' },
    });
    expect(await traces([carol.user.id, carol.user.email])).toEqual([]);
    await call('delete', `/users/${admin.user.id}`, admin.token).expect(409);
  });
});
