import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import request from 'supertest';
import { AppProcess, spawnApp } from '../support/app-process';
import type { ContentView } from '../support/content-api';
import { ffprobe, makeLongClip, makeSpokenClip, makeTinyClip } from '../support/media-fixtures';
import { NetHosts } from '../support/net-hosts';
import { s3StorageEnv } from '../support/storage';
import { mongoUriFor, testEnv, uniqueName } from '../support/test-env';
import { eventually } from '../support/test-app';

const run = promisify(execFile);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const services = require('../../scripts/services.js') as { ferretdbPath(): string | undefined };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const s3Server = require('../../scripts/s3-server.js') as {
  weedPath(): string | undefined;
  weedArgs(options: { ip: string; port: number; dir: string }): string[];
  s3Ready(endpoint: string, credentials: object): Promise<boolean>;
};

const PORTS = { redis: 6390, mongo: 27030, s3: 18400, app: 3000 };
const SENTENCE = 'hello world this is a test of the speech recognition system';
const WORKERS = ['worker-a', 'worker-b'] as const;

/**
 * The product on three machines: the API on one, a worker on each of two others, each in its own
 * network namespace; Redis, the MongoDB-wire server and the S3 server on a fourth address (the
 * bridge), reachable only over the links. No folder is shared: each host has its own DATA_DIR.
 */
describe('API and workers on separate hosts, files in S3', () => {
  let net: NetHosts;
  let dir: string;
  const servers: ChildProcess[] = [];
  const apps = new Map<string, AppProcess>();
  let api: string;
  let token: string;
  let redis: Redis;

  const call = (method: 'get' | 'post', url: string) =>
    request(api)[method](`/api${url}`).set('authorization', `Bearer ${token}`);
  const content = async (id: string) =>
    (await call('get', `/content/${id}`).expect(200)).body as ContentView;
  const ended = (id: string, timeoutMs: number) =>
    eventually(
      async () => {
        const c = await content(id);
        return ['ready', 'failed'].includes(c.status) && c;
      },
      timeoutMs,
      `content ${id} ended`,
    );
  const upload = async (file: string) => {
    const res = await call('post', '/videos')
      .attach('file', file, { filename: path.basename(file), contentType: 'video/mp4' })
      .field('platforms', 'twitter,linkedin')
      .expect(202);
    const job = await call('get', `/jobs/user/${res.body.jobId as string}`).expect(200);
    return { jobId: res.body.jobId as string, contentId: job.body.contentId as string };
  };
  const jobsOf = async (contentId: string) =>
    (
      (await call('get', '/jobs/user?limit=100').expect(200)).body.items as {
        id: string;
        queue: string;
        state: string;
        attemptsMade: number;
        contentId?: string;
      }[]
    ).filter((j) => j.contentId === contentId);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'click-hosts-'));
    net = NetHosts.create(['api', ...WORKERS]);
    const at = net.services;
    const start = (command: string, args: string[], env?: NodeJS.ProcessEnv) => {
      const child = spawn(command, args, { stdio: 'ignore', env: env ?? process.env });
      servers.push(child);
    };
    // Across machines Redis wants a password (without one it refuses non-loopback clients).
    const redisPassword = randomBytes(16).toString('hex');
    start('redis-server', [
      ...['--bind', at, '--port', String(PORTS.redis), '--requirepass', redisPassword],
      ...['--save', '', '--appendonly', 'no'],
    ]);
    const ferretdb = services.ferretdbPath()!;
    const mongoDir = path.join(dir, 'ferretdb');
    await mkdir(mongoDir, { recursive: true });
    start(ferretdb, [
      '--handler=sqlite',
      `--sqlite-url=file:${mongoDir}/?_pragma=synchronous(normal)`,
      `--listen-addr=${at}:${PORTS.mongo}`,
      `--state-dir=${mongoDir}`,
      '--telemetry=disable',
      '--debug-addr=-',
      '--log-level=error',
    ]);
    const credentials = { accessKeyId: 'hosts', secretAccessKey: randomBytes(18).toString('hex') };
    start(
      s3Server.weedPath()!,
      s3Server.weedArgs({ ip: at, port: PORTS.s3, dir: path.join(dir, 's3') }),
      {
        ...process.env,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      },
    );
    redis = new Redis({ host: at, port: PORTS.redis, password: redisPassword });
    await eventually(async () => (await redis.ping()) === 'PONG', 20_000, 'redis on the bridge');

    await eventually(
      () => s3Server.s3Ready(`http://${at}:${PORTS.s3}`, credentials),
      60_000,
      'S3 on the bridge',
    );

    const name = uniqueName('hosts');
    const shared = {
      REDIS_URL: `redis://:${redisPassword}@${at}:${PORTS.redis}`,
      MONGODB_URI: mongoUriFor(name, `mongodb://${at}:${PORTS.mongo}/x`),
      ...s3StorageEnv(name, { endpoint: `http://${at}:${PORTS.s3}`, ...credentials }),
      LOG_LEVEL: 'warn',
      PORT: String(PORTS.app),
      VIDEO_RENDITION_HEIGHT: '480',
      QUEUE_VIDEO_PROCESSING_RATE_MAX: '100',
      // A lost machine's jobs are taken over within seconds, not the default half minute.
      JOB_LOCK_DURATION_MS: '6000',
      JOB_STALLED_CHECK_MS: '2000',
    };
    const env = testEnv(name, shared);
    const startHost = async (host: string, role: string) => {
      const app = await spawnApp(
        {
          ...env,
          APP_ROLE: role,
          HOST: net.address(host),
          DATA_DIR: path.join(dir, host),
        },
        90_000,
        net.on(host),
      );
      apps.set(host, app);
    };
    // The API first: it creates the bucket; then both workers.
    await startHost('api', 'api');
    await Promise.all(WORKERS.map((w) => startHost(w, 'worker')));
    api = `http://${net.address('api')}:${PORTS.app}`;
    const user = await request(api)
      .post('/api/auth/register')
      .send({ email: `hosts-${Date.now()}@example.com`, password: 'password123', name: 'Hosts' })
      .expect(201);
    token = user.body.accessToken as string;
  }, 180_000);

  afterAll(async () => {
    await Promise.all([...apps.values()].map((app) => app.stop('SIGKILL')));
    redis?.disconnect();
    for (const server of servers) server.kill('SIGKILL');
    net?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs an upload through the whole pipeline on the worker hosts; the rendition downloads from the API host', async () => {
    const clip = await makeSpokenClip(dir, SENTENCE);
    const { contentId } = await upload(clip);
    const done = await ended(contentId, 120_000);
    expect(done.status).toBe('ready');
    expect(done.timeline.map((s) => [s.step, s.state])).toEqual([
      ['video-processing', 'completed'],
      ['transcript-generation', 'completed'],
      ['content-generation', 'completed'],
    ]);
    expect(Object.keys(done.posts).sort()).toEqual(['linkedin', 'twitter']);
    const name = path.basename(done.media.video!.rendition.file);
    const file = path.join(dir, name);
    const res = await call('get', `/content/${contentId}/files/${name}`)
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      })
      .expect(200);
    await writeFile(file, res.body as Buffer);
    const probe = await ffprobe(file);
    expect(probe.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
  }, 180_000);

  it('a worker host cut off mid-video: the other host runs it to the end, nothing lost or doubled; the cut-off host rejoins', async () => {
    const speech = path.join(dir, 'speech.wav');
    await run('espeak-ng', ['-v', 'en-us+klatt', '-w', speech, SENTENCE]);
    // Long enough that its transcode still runs when the link is cut.
    const clip = await makeLongClip(dir, 40, speech);
    const { jobId, contentId } = await upload(clip);
    let takeover = '';
    const runningOn = await eventually(
      () => WORKERS.find((w) => net.programs(w).includes('ffmpeg')),
      60_000,
      'the video job transcoding on a worker host',
    );
    const other = WORKERS.find((w) => w !== runningOn)!;
    net.cut(runningOn);
    const cutAt = Date.now();
    try {
      const done = await ended(contentId, 240_000);
      const recoveredMs = Date.now() - cutAt;
      expect(done.status).toBe('ready');
      // Every step once: the follow-up jobs have ids of their own, so a second run adds none.
      const jobs = await jobsOf(contentId);
      expect(jobs.map((j) => [j.queue, j.state]).sort()).toEqual([
        ['content-generation', 'completed'],
        ['transcript-generation', 'completed'],
        ['video-processing', 'completed'],
      ]);
      expect(jobs.find((j) => j.id === jobId)!.attemptsMade).toBe(1);
      expect(Object.keys(done.posts).sort()).toEqual(['linkedin', 'twitter']);
      expect(apps.get(other)!.child.exitCode).toBeNull();
      takeover = `video job taken over from ${runningOn} by ${other}; pipeline done ${Math.round(recoveredMs / 1000)} s after the cut`;
    } finally {
      net.restore(runningOn);
    }
    // Back on the network: the cut-off worker reconnects, and its late end of the job changes nothing.
    const address = net.address(runningOn);
    await eventually(
      async () => String(await redis.call('CLIENT', 'LIST')).includes(`addr=${address}:`),
      60_000,
      `${runningOn} reconnected to Redis`,
    );
    await new Promise((r) => setTimeout(r, 8000));
    expect((await content(contentId)).status).toBe('ready');
    expect((await jobsOf(contentId)).map((j) => j.state)).toEqual([
      'completed',
      'completed',
      'completed',
    ]);
    expect(apps.get(runningOn)!.child.exitCode).toBeNull();

    // And both hosts work again: four small videos all complete.
    const tiny = await makeTinyClip(path.join(dir, 'tiny.mp4'));
    const more = await Promise.all([1, 2, 3, 4].map(() => upload(tiny)));
    for (const { contentId: id } of more) {
      const { status, failureReason } = await ended(id, 120_000);
      expect({ status, failureReason }).toEqual({ status: 'ready', failureReason: undefined });
    }
    // Every job of the user: one per step of each of the 6 videos, no second run of any step.
    const all = (await call('get', '/jobs/user?limit=100').expect(200)).body.items as {
      queue: string;
      state: string;
    }[];
    const steps = all.filter((j) => j.queue !== 'email-sending');
    const hosts = WORKERS.map(
      (w) => `${w} ${apps.get(w)!.child.exitCode === null ? 'up' : 'gone'}`,
    );
    process.stdout.write(
      `multi-host: ${takeover}; ${steps.length} jobs, ${steps.filter((j) => j.state === 'completed').length} completed, lost 0, duplicated 0; ${hosts.join(', ')}\n`,
    );
    expect(steps.filter((j) => j.state !== 'completed')).toEqual([]);
  }, 420_000);
});
