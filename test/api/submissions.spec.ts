import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiClient, Session } from '../support/api-client';
import { makeTinyClip } from '../support/media-fixtures';
import { dropTestData, startTestApp, TestApp } from '../support/test-app';
import { uniqueName } from '../support/test-env';

const tmp = (label: string, bytes: number) => {
  const file = path.join(os.tmpdir(), `${uniqueName(label)}.mp4`);
  writeFileSync(file, Buffer.alloc(bytes, 7));
  return file;
};

describe('submission endpoints', () => {
  let app: TestApp;
  let api: ApiClient;
  let alice: Session;
  let bob: Session;

  beforeAll(async () => {
    const name = uniqueName('submit');
    app = await startTestApp(
      name,
      {
        APP_ROLE: 'api',
        UPLOAD_MAX_BYTES: '10000',
        BODY_LIMIT_BYTES: '20000',
        // Its own upload folder: one test counts the files in it.
        UPLOAD_DIR: path.join(os.tmpdir(), `${name}-uploads`),
      },
      { listen: true },
    );
    api = new ApiClient(app.app);
    alice = await api.register('Alice');
    bob = await api.register('Bob');
  });

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
    await rm(app.config.api.uploads.dir, { recursive: true, force: true });
  });

  it('POST /content/generate queues a job for a new content item the caller owns', async () => {
    const res = await api
      .call('post', '/content/generate', alice.token)
      .send({ text: 'Launch day.', platforms: ['twitter', 'instagram'] });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      jobId: expect.stringMatching(/^[0-9a-f]{24}$/),
      queue: 'content-generation',
      state: 'waiting',
    });
    const job = await api.call('get', `/jobs/user/${res.body.jobId}`, alice.token);
    const content = await api.call('get', `/content/${job.body.contentId}`, alice.token);
    expect(content.status).toBe(200);
    expect(content.body).toMatchObject({
      id: job.body.contentId,
      sourceText: 'Launch day.',
      status: 'draft',
      posts: {},
      published: {},
    });
    expect(
      (
        await api
          .call('post', '/content/generate', bob.token)
          .send({ text: 'x', platforms: ['twitter'], contentId: job.body.contentId })
      ).status,
    ).toBe(404);
  });

  it.each([
    [{ text: 5, platforms: 'twitter' }, ['text must be a string', 'platforms must be an array']],
    [
      { text: 'x', platforms: ['myspace'] },
      ['platforms must each be one of twitter, linkedin, facebook, instagram'],
    ],
    [{ text: 'x', platforms: ['twitter'], admin: true }, ['property admin should not exist']],
    [{ text: { $gt: '' }, platforms: ['twitter'] }, ['text must be a string']],
    [
      { text: 'x', platforms: ['twitter'], contentId: { $ne: null } },
      ['contentId must be a content id'],
    ],
    [
      { text: '', platforms: [] },
      ['text should not be empty', 'platforms must contain at least 1 elements'],
    ],
  ])('POST /content/generate refuses %j with 400 naming each field', async (body, messages) => {
    const res = await api.call('post', '/content/generate', alice.token).send(body);
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual(expect.arrayContaining(messages));
  });

  it('POST /posts posts now, or schedules when scheduledAt is in the future, and refuses the past', async () => {
    const now = await api.call('post', '/posts', alice.token).send({
      platforms: ['twitter', 'linkedin'],
      content: { text: 'Now!', imageUrl: 'https://example.com/a.png' },
    });
    expect(now.status).toBe(202);
    expect(now.body).toMatchObject({ queue: 'social-posting', state: 'waiting' });
    const later = await api.call('post', '/posts', alice.token).send({
      platforms: ['linkedin'],
      content: { text: 'Later' },
      scheduledAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(later.body).toMatchObject({ queue: 'scheduled-posts', state: 'delayed' });
    const past = await api.call('post', '/posts', alice.token).send({
      platforms: ['linkedin'],
      content: { text: 'Too late' },
      scheduledAt: '2020-01-01T00:00:00Z',
    });
    expect(past.status).toBe(400);
    expect(past.body.message).toEqual(['scheduledAt must be in the future']);
    const long = await api
      .call('post', '/posts', alice.token)
      .send({ platforms: ['twitter'], content: { text: 'x'.repeat(281) } });
    expect(long.status).toBe(400);
    expect(long.body.message).toEqual([
      'content.text is longer than a chosen platform allows (twitter 280 characters)',
    ]);
    const bad = await api.call('post', '/posts', alice.token).send({
      platforms: ['twitter'],
      content: { text: 'x', imageUrl: 'javascript:alert(1)' },
      scheduledAt: 'tomorrow',
    });
    expect(bad.body.message).toEqual(
      expect.arrayContaining([
        'scheduledAt must be an ISO 8601 date-time',
        'content.imageUrl must be a URL address',
      ]),
    );
  });

  it('POST /transcripts needs an own content item, a language code and an http(s) URL', async () => {
    const job = await api
      .call('post', '/content/generate', alice.token)
      .send({ text: 'Talk.', platforms: ['twitter'] });
    const { contentId } = (await api.call('get', `/jobs/user/${job.body.jobId}`, alice.token)).body;
    const ok = await api
      .call('post', '/transcripts', alice.token)
      .send({ contentId, videoUrl: 'https://example.com/v.mp4', language: 'en' });
    expect(ok.status).toBe(202);
    expect(ok.body.queue).toBe('transcript-generation');
    const bad = await api
      .call('post', '/transcripts', alice.token)
      .send({ contentId, videoUrl: 'ftp://example.com/v.mp4', language: 'english' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toEqual([
      'videoUrl must be an http or https URL',
      'language must be a language code such as en or pt-BR',
    ]);
    expect(
      (await api.call('post', '/transcripts', bob.token).send({ contentId, language: 'en' }))
        .status,
    ).toBe(404);
  });

  it('POST /videos stores a video upload and queues its processing; too large is 413, not a video 400', async () => {
    const ok = await api
      .call('post', '/videos', alice.token)
      .field('title', 'My clip')
      .attach('file', tmp('ok', 5000), { contentType: 'video/mp4' });
    expect(ok.status).toBe(202);
    expect(ok.body).toMatchObject({ queue: 'video-processing', state: 'waiting' });
    const job = await api.call('get', `/jobs/user/${ok.body.jobId}`, alice.token);
    expect(job.body.priority).toBe(5);
    const content = await api.call('get', `/content/${job.body.contentId}`, alice.token);
    expect(content.body).toMatchObject({
      title: 'My clip',
      status: 'processing',
      media: { upload: { size: 5000, mimeType: 'video/mp4' } },
    });

    const big = await api
      .call('post', '/videos', alice.token)
      .attach('file', tmp('big', 20_000), { contentType: 'video/mp4' });
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
    const text = await api
      .call('post', '/videos', alice.token)
      .attach('file', Buffer.from('hello'), { filename: 'notes.txt', contentType: 'text/plain' });
    expect(text.status).toBe(400);
    expect(text.body.message).toEqual([
      'file "notes.txt" (text/plain) is not a video: its content is text, not a video container',
    ]);
    expect(
      (await api.call('post', '/videos', alice.token).field('title', 'no file')).body.message,
    ).toEqual([
      'file is required (multipart field "file"), or a videoPath inside the upload folder',
    ]);
  });

  it('POST /videos takes what the name or the first bytes say is a video, whatever its Content-Type', async () => {
    const uploads = app.config.api.uploads.dir;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'clips-'));
    try {
      const mp4 = await makeTinyClip(path.join(dir, 'clip.mp4'));
      const mkv = await makeTinyClip(path.join(dir, 'recording.mkv'));
      const stored = async (jobId: string) => {
        const job = await api.call('get', `/jobs/user/${jobId}`, alice.token);
        const content = await api.call('get', `/content/${job.body.contentId}`, alice.token);
        return content.body.media.upload as { file: string; mimeType: string; size: number };
      };
      // curl -F file=@clip.mp4 sends application/octet-stream.
      const curl = await api
        .call('post', '/videos', alice.token)
        .attach('file', mp4, { filename: 'clip.mp4', contentType: 'application/octet-stream' });
      expect(curl.status).toBe(202);
      const upload = await stored(curl.body.jobId);
      expect(upload).toMatchObject({
        mimeType: 'application/octet-stream',
        size: statSync(mp4).size,
      });
      expect(upload.file).toMatch(/^[0-9a-f]{24}\/upload\.mp4$/);
      expect(readFileSync(path.join(uploads, upload.file)).equals(readFileSync(mp4))).toBe(true);
      // No extension at all: the content (an EBML header) says Matroska, and names the stored file.
      const unnamed = await api
        .call('post', '/videos', alice.token)
        .attach('file', mkv, { filename: 'recording', contentType: 'application/octet-stream' });
      expect(unnamed.status).toBe(202);
      expect((await stored(unnamed.body.jobId)).file).toMatch(/^[0-9a-f]{24}\/upload\.mkv$/);

      const before = (await readdir(uploads)).sort();
      const refused = async (body: Buffer | string, filename: string, contentType: string) => {
        const res = await api
          .call('post', '/videos', alice.token)
          .attach('file', body, { filename, contentType });
        expect(res.status).toBe(400);
        return res.body.message as string[];
      };
      // The name says video, the content clearly is not: refused now (ffprobe would fail it later).
      expect(
        await refused(Buffer.from('meeting notes\n'.repeat(40)), 'clip.mp4', 'video/mp4'),
      ).toEqual([
        'file "clip.mp4" (video/mp4) is not a video: its content is text, not a video container',
      ]);
      expect(
        await refused(
          Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]),
          'clip.mp4',
          'application/octet-stream',
        ),
      ).toEqual([
        'file "clip.mp4" (application/octet-stream) is not a video: its content is a PNG image, not a video container',
      ]);
      // Neither the name nor the content says video.
      expect(await refused(Buffer.alloc(300, 7), 'data.bin', 'application/octet-stream')).toEqual([
        'file "data.bin" (application/octet-stream) is not a video: expected .mp4, .mov, .m4v, .webm, .mkv, .avi, .mpeg, .mpg, .ogv, .3gp or video content (MP4, QuickTime, WebM, Matroska, AVI, MPEG, Ogg, FLV)',
      ]);
      expect(await refused(Buffer.alloc(0), 'empty.mp4', 'video/mp4')).toEqual([
        'file "empty.mp4" is empty',
      ]);
      // A refused upload leaves nothing behind.
      expect((await readdir(uploads)).sort()).toEqual(before);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('POST /videos refused after the file arrived (a bad field) keeps neither file nor content', async () => {
    const uploads = app.config.api.uploads.dir;
    const before = (await readdir(uploads)).sort();
    const bad = await api
      .call('post', '/videos', alice.token)
      .field('language', 'english please')
      .attach('file', tmp('refused', 3000), { contentType: 'video/mp4' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toEqual(['language must be a language code such as en or pt-BR']);
    const both = await api
      .call('post', '/videos', alice.token)
      .field('videoPath', 'elsewhere.mp4')
      .attach('file', tmp('both', 3000), { contentType: 'video/mp4' });
    expect(both.body.message).toEqual(['give either a file or a videoPath, not both']);
    expect((await readdir(uploads)).sort()).toEqual(before);
  });

  it('refuses a JSON body over BODY_LIMIT_BYTES with 413, and malformed JSON with 400', async () => {
    const big = await api
      .call('post', '/content/generate', alice.token)
      .send({ text: 'x'.repeat(30_000), platforms: ['twitter'] });
    expect(big.status).toBe(413);
    expect(big.body).toEqual({
      statusCode: 413,
      message: 'The request body is too large',
      error: 'Payload Too Large',
    });
    const broken = await api
      .call('post', '/content/generate', alice.token)
      .set('content-type', 'application/json')
      .send('{"text": ');
    expect(broken.status).toBe(400);
  });

  it('links, lists and unlinks platform accounts; tokens never come back', async () => {
    const link = await api
      .call('post', '/social/accounts', alice.token)
      .send({ platform: 'twitter', accessToken: 'very-secret-token-9876', handle: '@alice' });
    expect(link.status).toBe(201);
    expect(link.body).toEqual({
      platform: 'twitter',
      handle: '@alice',
      tokenHint: '…9876',
      linkedAt: expect.any(String),
    });
    expect(
      (
        await api
          .call('post', '/social/accounts', alice.token)
          .send({ platform: 'myspace', accessToken: 't' })
      ).body.message,
    ).toEqual(['platform must be one of twitter, linkedin']);
    expect((await api.call('delete', '/social/accounts/linkedin', alice.token)).status).toBe(404);
    expect((await api.call('delete', '/social/accounts/myspace', alice.token)).status).toBe(400);
    expect((await api.call('delete', '/social/accounts/twitter', alice.token)).status).toBe(204);
    expect((await api.call('get', '/social/accounts', alice.token)).body).toEqual([]);
  });
});

describe('limits per user', () => {
  let app: TestApp;
  let api: ApiClient;

  beforeAll(async () => {
    app = await startTestApp(
      uniqueName('limits'),
      { APP_ROLE: 'api', USER_MAX_PENDING_JOBS: '3', THROTTLE_LIMIT: '12' },
      { listen: true },
    );
    api = new ApiClient(app.app);
  });

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
  });

  it('refuses more than USER_MAX_PENDING_JOBS unfinished jobs with 429, and accepts again after a cancel', async () => {
    const { token } = await api.register('Quota'); // its welcome email is job 1
    const first = await api
      .call('post', '/content/generate', token)
      .send({ text: 'a', platforms: ['twitter'] });
    await api
      .call('post', '/content/generate', token)
      .send({ text: 'b', platforms: ['twitter'] })
      .expect(202);
    const over = await api
      .call('post', '/content/generate', token)
      .send({ text: 'c', platforms: ['twitter'] });
    expect(over.status).toBe(429);
    expect(over.body).toEqual({
      statusCode: 429,
      message:
        'You have 3 jobs waiting or running, the most allowed; wait for some to finish or cancel some',
      error: 'Too Many Requests',
    });
    await api.call('post', `/jobs/user/${first.body.jobId}/cancel`, token).expect(200);
    await api
      .call('post', '/content/generate', token)
      .send({ text: 'c', platforms: ['twitter'] })
      .expect(202);
  });

  it('throttles a user past THROTTLE_LIMIT requests per window with 429, without touching others', async () => {
    const noisy = await api.register('Noisy');
    const calm = await api.register('Calm');
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++)
      statuses.push((await api.call('get', '/auth/me', noisy.token)).status);
    expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(-2)).toEqual([429, 429]);
    const limited = await api.call('get', '/auth/me', noisy.token);
    expect(limited.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await api.call('get', '/auth/me', calm.token)).status).toBe(200);
  });

  it('never throttles the health probes (a 429 would take a healthy instance out of service)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await api.call('get', '/health/live')).status);
    expect(statuses).toEqual(Array(20).fill(200));
    // The same address past the limit on a public route that counts.
    const counted: number[] = [];
    for (let i = 0; i < 14; i++)
      counted.push(
        (await api.call('post', '/auth/login').send({ email: 'x@example.com', password: 'nope' }))
          .status,
      );
    expect(counted.slice(-2)).toEqual([429, 429]);
  });
});
