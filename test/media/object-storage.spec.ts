import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Types } from 'mongoose';
import type { Response as AgentResponse } from 'superagent';
import { ContentService } from '../../src/content/content.service';
import { OBJECT_STORAGE, type ObjectStorage } from '../../src/integrations/storage/object-storage';
import { StorageSweep } from '../../src/media/storage-sweep';
import { ApiClient, Session } from '../support/api-client';
import { contentOfJob, fetchContent, pipelineEnded } from '../support/content-api';
import { makeTinyClip } from '../support/media-fixtures';
import { OwnedServer } from '../support/servers';
import { s3StorageEnv, STORAGE_KINDS, storageEnv, storedKeys } from '../support/storage';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { uniqueName } from '../support/test-env';

const MiB = 1024 * 1024;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The whole body of a response, as bytes (supertest buffers only text by default). */
function bytes(res: AgentResponse, done: (error: Error | null, body: unknown) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}

async function readStored(storage: ObjectStorage, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of (await storage.read('uploads', key)).body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe.each(STORAGE_KINDS)('stored files on %s storage', (kind) => {
  let app: TestApp;
  let api: ApiClient;
  let alice: Session;
  let bob: Session;
  let dir: string;
  let clip: string;
  let storage: ObjectStorage;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'click-storage-'));
    clip = await makeTinyClip(path.join(dir, 'tiny.mp4'));
    const name = uniqueName(`files-${kind}`);
    app = await startTestApp(
      name,
      {
        ...storageEnv(kind, name),
        DATA_DIR: path.join(dir, 'data'),
        UPLOAD_MAX_BYTES: String(12 * MiB),
        S3_PART_BYTES: String(5 * MiB),
        STORAGE_SWEEP_MIN_AGE_HOURS: '0',
        QUEUE_VIDEO_PROCESSING_RATE_MAX: '100',
      },
      { listen: true },
    );
    api = new ApiClient(app.app);
    alice = await api.register('Alice');
    bob = await api.register('Bob');
    storage = app.get<ObjectStorage>(OBJECT_STORAGE);
  }, 60_000);

  afterAll(async () => {
    await dropTestData(app);
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  const uploadClip = async (who: Session, file = clip) => {
    const res = await api
      .call('post', '/videos', who.token)
      .attach('file', file, { filename: path.basename(file), contentType: 'video/mp4' })
      .field('platforms', 'twitter')
      .expect(202);
    return contentOfJob(api, who, res.body.jobId as string);
  };
  const uploadKeyOf = async (who: Session, contentId: string) =>
    (
      (await fetchContent(api, who, contentId)) as unknown as {
        media: { upload: { file: string } };
      }
    ).media.upload.file;

  it('stores a large upload whole (in parts on S3) and serves produced files by ranges', async () => {
    // 11 MiB: three parts of 5 MiB on S3. The job fails in ffprobe (padding), the upload stays.
    const big = path.join(dir, 'big.mp4');
    await writeFile(big, Buffer.concat([await readFile(clip), randomBytes(11 * MiB)]));
    const bigContent = await uploadClip(alice, big);
    const stored = await readStored(storage, await uploadKeyOf(alice, bigContent));
    expect(sha256(stored)).toBe(sha256(await readFile(big)));

    const contentId = await uploadClip(alice);
    const done = await pipelineEnded(api, alice, contentId);
    expect(done.status).toBe('ready');
    const url = `/content/${contentId}/files/${path.basename(done.media.video!.rendition.file)}`;
    const whole = await api.call('get', url, alice.token).buffer(true).parse(bytes).expect(200);
    const body = whole.body as Buffer;
    expect(whole.headers['content-type']).toBe('video/mp4');
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(Number(whole.headers['content-length'])).toBe(body.length);

    const first = await api
      .call('get', url, alice.token)
      .set('range', 'bytes=0-99')
      .buffer(true)
      .parse(bytes)
      .expect(206);
    expect(first.headers['content-range']).toBe(`bytes 0-99/${body.length}`);
    expect(first.body).toEqual(body.subarray(0, 100));
    const last = await api
      .call('get', url, alice.token)
      .set('range', 'bytes=-10')
      .buffer(true)
      .parse(bytes)
      .expect(206);
    expect(last.body).toEqual(body.subarray(body.length - 10));
    const past = await api
      .call('get', url, alice.token)
      .set('range', `bytes=${body.length}-`)
      .expect(416);
    expect(past.headers['content-range']).toBe(`bytes */${body.length}`);
    await api.call('get', url, bob.token).expect(404);
  }, 120_000);

  it('refuses what it cannot take and leaves nothing stored', async () => {
    const before = await storedKeys(app, 'uploads');
    const tooBig = path.join(dir, 'huge.mp4');
    await writeFile(tooBig, Buffer.concat([await readFile(clip), randomBytes(13 * MiB)]));
    await api
      .call('post', '/videos', alice.token)
      .attach('file', tooBig, { filename: 'huge.mp4', contentType: 'video/mp4' })
      .expect(413);
    const text = path.join(dir, 'notes.mp4');
    await writeFile(text, 'just some words\n'.repeat(100));
    const refused = await api
      .call('post', '/videos', alice.token)
      .attach('file', text, { filename: 'notes.mp4', contentType: 'video/mp4' })
      .expect(400);
    expect(refused.body.message).toEqual([
      'file "notes.mp4" (video/mp4) is not a video: its content is text, not a video container',
    ]);
    expect(await storedKeys(app, 'uploads')).toEqual(before);
  }, 60_000);

  it('leaves nothing of an upload whose client goes away halfway', async () => {
    const before = await storedKeys(app, 'uploads');
    const { port } = (app.app.getHttpServer() as Server).address() as AddressInfo;
    const boundary = `----click${randomBytes(6).toString('hex')}`;
    const request = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/api/videos',
      headers: {
        authorization: `Bearer ${alice.token}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(10 * MiB),
      },
    });
    request.on('error', () => undefined);
    request.write(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.mp4"\r\n` +
        'Content-Type: video/mp4\r\n\r\n',
    );
    // More than one S3 part (5 MiB): a multipart upload is under way when the client leaves.
    request.write(Buffer.concat([await readFile(clip), randomBytes(7 * MiB)]));
    await new Promise((r) => setTimeout(r, 1500));
    request.destroy();
    await eventually(
      async () => JSON.stringify(await storedKeys(app, 'uploads')) === JSON.stringify(before),
      15_000,
      'nothing stored of the abandoned upload',
    );
    const videos = await api.call('get', '/jobs/user?queue=video-processing', alice.token);
    expect(videos.body.items).toHaveLength(2);
  }, 60_000);

  it("exports the files stored for a user's contents; erase removes them all, and no one else's", async () => {
    const bobs = await uploadClip(bob);
    expect((await pipelineEnded(api, bob, bobs)).status).toBe('ready');
    const res = await api
      .call('get', '/auth/me/export', alice.token)
      .buffer(true)
      .parse(bytes)
      .expect(200);
    const exported = JSON.parse((res.body as Buffer).toString('utf8')) as {
      contents: {
        id: string;
        files: { kind: string; name: string; size: number; url?: string }[];
      }[];
    };
    const ready = exported.contents.find((c) => c.files.some((f) => f.kind === 'produced'))!;
    expect(ready.files.map((f) => [f.kind, f.name]).sort()).toEqual([
      ['produced', expect.stringMatching(/^rendition-\d+p\.mp4$/)],
      ['produced', 'thumbnail.jpg'],
      ['upload', 'upload.mp4'],
    ]);
    for (const file of ready.files) {
      expect(file.size).toBeGreaterThan(0);
      if (file.url) await api.call('get', file.url.replace(/^\/api/, ''), alice.token).expect(200);
    }
    const aliceContents = exported.contents.map((c) => c.id);
    expect(aliceContents.length).toBe(2);

    await api.call('delete', '/auth/me', alice.token).send({ password: 'password123' }).expect(200);
    const left = [...(await storedKeys(app, 'uploads')), ...(await storedKeys(app, 'media'))];
    for (const id of aliceContents) expect(left.filter((key) => key.startsWith(id))).toEqual([]);
    expect(left.filter((key) => key.startsWith(bobs)).length).toBe(3);
  }, 120_000);

  it('the nightly sweep removes stored files no content names, and only those', async () => {
    const kept = [...(await storedKeys(app, 'uploads')), ...(await storedKeys(app, 'media'))];
    const orphan = new Types.ObjectId().toHexString();
    const put = (area: 'uploads' | 'media', key: string) =>
      storage.write(area, key, Readable.from([Buffer.from('x')]));
    await put('uploads', `${orphan}/upload.mp4`);
    await put('media', `${orphan}/thumbnail.jpg`);
    await put('uploads', 'imports/operator-file.mp4');
    // Named as uploads were before object storage (random hex): never taken for an orphan.
    const older = `${randomBytes(12).toString('hex')}.mp4`;
    await put('uploads', older);

    const swept = await app.get(StorageSweep).run();
    expect(swept.uploads.removed + swept.media.removed).toBe(2);
    expect(
      [...(await storedKeys(app, 'uploads')), ...(await storedKeys(app, 'media'))].sort(),
    ).toEqual([...kept, 'imports/operator-file.mp4', older].sort());
  });
});

describe('S3 storage unreachable', () => {
  let server: OwnedServer;
  let app: TestApp;
  let api: ApiClient;
  let alice: Session;
  let dir: string;
  let clip: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'click-s3-down-'));
    clip = await makeTinyClip(path.join(dir, 'tiny.mp4'));
    const credentials = {
      accessKeyId: 'downtest',
      secretAccessKey: randomBytes(18).toString('hex'),
    };
    server = await OwnedServer.s3(credentials);
    const name = uniqueName('s3down');
    app = await startTestApp(
      name,
      {
        ...s3StorageEnv(name, { endpoint: `http://127.0.0.1:${server.port}`, ...credentials }),
        DATA_DIR: path.join(dir, 'data'),
        // No workers: the jobs wait, what is stored stays as the API left it.
        APP_ROLE: 'api',
      },
      { listen: true },
    );
    api = new ApiClient(app.app);
    alice = await api.register('Alice');
  }, 90_000);

  afterAll(async () => {
    await server.start().catch(() => undefined);
    await dropTestData(app);
    await app.close();
    await server.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  const upload = () =>
    api
      .call('post', '/videos', alice.token)
      .attach('file', clip, { filename: 'tiny.mp4', contentType: 'video/mp4' });

  it('answers 503 while storage is away, keeps nothing of the refused upload, and works again after', async () => {
    const first = await upload().expect(202);
    const contentId = await contentOfJob(api, alice, first.body.jobId as string);
    // A produced file the content names, to ask for while storage is away.
    const storage = app.get<ObjectStorage>(OBJECT_STORAGE);
    await storage.write('media', `${contentId}/thumbnail.jpg`, Readable.from([Buffer.from('jpg')]));
    await app
      .get(ContentService)
      .saveMedia(contentId, 'video', { thumbnail: `${contentId}/thumbnail.jpg` });

    await server.stop();
    const refused = await upload().expect(503);
    expect(refused.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    expect(refused.body.message).toMatch(/^file storage is unavailable/);
    await api.call('get', `/content/${contentId}/files/thumbnail.jpg`, alice.token).expect(503);
    const ready = await api.call('get', '/health/ready').expect(503);
    expect(ready.body.error.storage.status).toBe('down');
    const jobs = (
      await api.call('get', '/jobs/user?queue=video-processing', alice.token).expect(200)
    ).body.items as unknown[];
    expect(jobs).toHaveLength(1);

    await server.start();
    await eventually(
      async () => (await api.call('get', '/health/ready')).status === 200,
      30_000,
      'storage ready again',
    );
    await upload().expect(202);
    const file = await api
      .call('get', `/content/${contentId}/files/thumbnail.jpg`, alice.token)
      .buffer(true)
      .parse(bytes)
      .expect(200);
    expect((file.body as Buffer).toString()).toBe('jpg');
    const keys = await storedKeys(app, 'uploads');
    expect(keys).toHaveLength(2);
  }, 120_000);
});
