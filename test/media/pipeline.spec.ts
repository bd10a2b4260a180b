import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { MediaFiles } from '../../src/media/media-files';
import { QueueRegistry } from '../../src/queues/kernel/queue-registry';
import { QUEUE_NAMES, QueuesService } from '../../src/queues';
import { ApiClient, Session } from '../support/api-client';
import { contentOfJob, fetchContent, pipelineEnded } from '../support/content-api';
import { HttpFake } from '../support/fakes/http-fake';
import {
  ffprobe,
  makeLongClip,
  makeSpokenClip,
  wordErrorRate,
  words,
} from '../support/media-fixtures';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { STORAGE_KINDS, storageEnv } from '../support/storage';
import { uniqueName } from '../support/test-env';

const SENTENCE = 'hello world this is a test of the speech recognition system';
const run = promisify(execFile);

interface JobView {
  state: string;
  progress: number;
  attemptsMade: number;
  failedReason?: string;
}

describe.each(STORAGE_KINDS)(
  'media pipeline on %s storage: upload → video processing → transcript → posts',
  (storage) => {
    let app: TestApp;
    let api: ApiClient;
    let alice: Session;
    let bob: Session;
    let dir: string;
    let clip: string;
    let files: MediaFiles;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'click-media-'));
      clip = await makeSpokenClip(dir, SENTENCE);
      const name = uniqueName(`media-${storage}`);
      app = await startTestApp(
        name,
        {
          ...storageEnv(storage, name),
          DATA_DIR: path.join(dir, 'data'),
          VIDEO_RENDITION_HEIGHT: '180',
          // This file submits more videos in a minute than the product's 5 per minute.
          QUEUE_VIDEO_PROCESSING_RATE_MAX: '100',
          JOB_BACKOFF_DELAY_MS: '100',
        },
        { listen: true },
      );
      api = new ApiClient(app.app);
      alice = await api.register('Alice');
      bob = await api.register('Bob');
      files = app.get(MediaFiles);
    }, 60_000);

    afterAll(async () => {
      await dropTestData(app);
      await app.close();
      await rm(dir, { recursive: true, force: true });
    });

    const content = (id: string, session = alice) => fetchContent(api, session, id);
    const contentOf = (jobId: string) => contentOfJob(api, alice, jobId);
    const settled = (id: string, timeoutMs?: number) => pipelineEnded(api, alice, id, timeoutMs);
    /** A produced file as its owner downloads it, saved in the test's folder. */
    const download = async (contentId: string, stored: string, session = alice) => {
      const name = path.basename(stored);
      const answer = await api
        .call('get', `/content/${contentId}/files/${name}`, session.token)
        .buffer(true)
        .parse((res, done) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => done(null, Buffer.concat(chunks)));
        })
        .expect(200);
      const file = path.join(dir, `${contentId}-${name}`);
      await writeFile(file, answer.body as Buffer);
      return file;
    };
    /** Places a file in the upload area, as an operator's import would. */
    const putUpload = (key: string, file: string) =>
      files.storage.write('uploads', key, createReadStream(file));
    const scratchLeft = async () =>
      (await readdir(path.join(dir, 'data', 'tmp')).catch(() => [])).filter((n) =>
        n.startsWith('job-'),
      );

    it('turns an uploaded clip into metadata, thumbnail, rendition, transcript and posts', async () => {
      const upload = await api
        .call('post', '/videos', alice.token)
        .attach('file', clip, { filename: 'hello.mp4', contentType: 'video/mp4' })
        .field('language', 'en')
        .field('platforms', 'twitter,linkedin')
        .expect(202);
      expect(upload.body).toMatchObject({ queue: 'video-processing', state: 'waiting' });
      const contentId = await contentOf(upload.body.jobId);
      const done = await settled(contentId);
      expect(done).toMatchObject({ status: 'ready' });

      const source = await ffprobe(clip);
      const video = done.media.video!;
      expect(video).toMatchObject({
        width: 320,
        height: 240,
        videoCodec: 'h264',
        audioCodec: 'aac',
      });
      expect(video.durationSeconds).toBeCloseTo(Number(source.format.duration), 1);

      const thumbnail = await ffprobe(await download(contentId, video.thumbnail));
      expect(thumbnail.streams[0]).toMatchObject({ codec_name: 'mjpeg' });
      const renditionFile = await download(contentId, video.rendition.file);
      const rendition = await ffprobe(renditionFile);
      expect(rendition.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
      expect(rendition.streams.find((s) => s.codec_type === 'video')).toMatchObject({
        width: 240,
        height: 180,
      });
      // Playable to the end: ffmpeg decodes every frame without an error.
      await run('ffmpeg', ['-v', 'error', '-xerror', '-i', renditionFile, '-f', 'null', '-']);

      const transcript = done.media.transcript!;
      const heard = words(transcript.text);
      const shared = words(SENTENCE).filter((w) => heard.includes(w));
      expect(shared.length / words(SENTENCE).length).toBeGreaterThanOrEqual(0.5);
      expect(wordErrorRate(SENTENCE, transcript.text)).toBeLessThanOrEqual(0.5);
      expect(transcript).toMatchObject({ language: 'en', engine: 'pocketsphinx' });
      expect(transcript.segments.length).toBeGreaterThan(0);
      const vtt = await readFile(await download(contentId, transcript.files.vtt), 'utf8');
      expect(vtt).toMatch(/^WEBVTT\n\n00:00:0\d\.\d{3} --> 00:00:0\d\.\d{3}\n[a-z]/);
      const srt = await readFile(await download(contentId, transcript.files.srt), 'utf8');
      expect(srt).toMatch(/^1\n00:00:0\d,\d{3} --> 00:00:0\d,\d{3}\n[a-z]/);

      expect(Object.keys(done.posts).sort()).toEqual(['linkedin', 'twitter']);
      expect(done.posts.twitter.text.length).toBeLessThanOrEqual(280);

      expect(done.timeline.map((s) => [s.step, s.state])).toEqual([
        ['video-processing', 'completed'],
        ['transcript-generation', 'completed'],
        ['content-generation', 'completed'],
      ]);
      for (const step of done.timeline) expect(step.finishedAt! >= step.startedAt!).toBe(true);
      const mine = (await api.call('get', '/jobs/user', alice.token).expect(200)).body.items as {
        id: string;
      }[];
      for (const step of done.timeline) expect(mine.map((j) => j.id)).toContain(step.jobId);

      const image = await api
        .call('get', `/content/${contentId}/files/thumbnail.jpg`, alice.token)
        .expect(200);
      expect(image.headers['content-type']).toBe('image/jpeg');
      await api.call('get', `/content/${contentId}/files/thumbnail.jpg`, bob.token).expect(404);
      await api
        .call('get', `/content/${contentId}/files/..%2F..%2Fsecret`, alice.token)
        .expect(404);
      expect(await scratchLeft()).toEqual([]);
    });

    it('refuses a videoPath outside the upload folder, at the API and in the worker', async () => {
      const refused = await api
        .call('post', '/videos', alice.token)
        .send({ videoPath: '../../etc/passwd' })
        .expect(400);
      expect(refused.body.message).toEqual(['videoPath must not contain ".." segments']);
      const missing = await api
        .call('post', '/videos', alice.token)
        .send({ videoPath: 'nope.mp4' })
        .expect(400);
      expect(missing.body.message).toEqual([
        'videoPath "nope.mp4" is not a file in the upload folder',
      ]);

      const queues = app.get(QueuesService);
      const job = await queues.addVideoProcessingJob({
        contentId: '0123456789abcdef01234567',
        videoPath: 'sub/../../secret.mp4',
        user: { _id: alice.user.id },
      });
      const failed = await eventually(async () => {
        const s = await queues.getJobStatus(QUEUE_NAMES.VIDEO_PROCESSING, job.jobId);
        return s.state === 'failed' && s;
      });
      expect(failed).toMatchObject({
        attemptsMade: 1,
        failedReason: 'videoPath must not contain ".." segments',
      });
    });

    it('accepts a videoPath inside the upload folder', async () => {
      await putUpload('imports/again.mp4', clip);
      const accepted = await api
        .call('post', '/videos', alice.token)
        .send({ videoPath: 'imports/again.mp4', platforms: ['twitter'] })
        .expect(202);
      const done = await settled(await contentOf(accepted.body.jobId));
      expect(done.status).toBe('ready');
      expect(Object.keys(done.posts)).toEqual(['twitter']);
    });

    it('fails a file that is not a video at once, with ffprobe’s reason, and stops the pipeline', async () => {
      // Binary, named .mp4, no container signature: the upload takes it and ffprobe says no (text
      // would be refused at the upload already, see submissions.spec).
      const fake = path.join(dir, 'notes.mp4');
      await writeFile(
        fake,
        Buffer.concat([Buffer.alloc(64), Buffer.from('not a video\n'.repeat(50))]),
      );
      const upload = await api
        .call('post', '/videos', alice.token)
        .attach('file', fake, { filename: 'notes.mp4', contentType: 'video/mp4' })
        .expect(202);
      const contentId = await contentOf(upload.body.jobId);
      const done = await settled(contentId);
      expect(done.status).toBe('failed');
      expect(done.failureReason).toMatch(/^video-processing: ffprobe: .*Invalid data found/);
      expect(done.timeline).toEqual([
        expect.objectContaining({ step: 'video-processing', state: 'failed', attemptsMade: 1 }),
      ]);
      expect(await scratchLeft()).toEqual([]);
    });

    it('cancelling during the transcode kills ffmpeg and leaves no temporary files', async () => {
      const long = await makeLongClip(dir, 120);
      const upload = await api
        .call('post', '/videos', alice.token)
        .attach('file', long, { filename: 'long.mp4', contentType: 'video/mp4' })
        .expect(202);
      const { jobId } = upload.body as { jobId: string };
      const scratch = files.scratchDir(jobId);
      await eventually(
        async () => {
          const s = (await api.call('get', `/jobs/user/${jobId}`, alice.token)).body;
          return s.state === 'active' && (s.progress as number) > 10;
        },
        30_000,
        'transcoding under way',
      );
      const ffmpegRunning = async () =>
        (await run('pgrep', ['-f', scratch]).catch(() => ({ stdout: '' }))).stdout.trim() !== '';
      expect(await ffmpegRunning()).toBe(true);

      // 200 when the job had stopped before the answer (ffmpeg dies at once), 202 if still stopping.
      const cancel = await api.call('post', `/jobs/user/${jobId}/cancel`, alice.token);
      expect([200, 202]).toContain(cancel.status);
      const status = await eventually(async () => {
        const s = (await api.call('get', `/jobs/user/${jobId}`, alice.token)).body as JobView;
        return s.state === 'cancelled' && s;
      });
      expect(status.progress).toBeLessThan(95);
      expect(await ffmpegRunning()).toBe(false);
      await eventually(async () => !(await scratchLeft()).length, 5000, 'scratch removed');
      const done = await settled(await contentOf(jobId), 10_000);
      expect(done.status).toBe('failed');
      expect(done.failureReason).toMatch(/^video-processing: Cancelled/);
      expect(done.media.video).toBeUndefined();
    });

    it('cancelling a step before a worker takes it fails the content too', async () => {
      const videoQueue = await app.get(QueueRegistry).use(QUEUE_NAMES.VIDEO_PROCESSING);
      await videoQueue.pause();
      try {
        const upload = await api
          .call('post', '/videos', alice.token)
          .attach('file', clip, { filename: 'later.mp4', contentType: 'video/mp4' })
          .expect(202);
        const { jobId } = upload.body as { jobId: string };
        await api.call('post', `/jobs/user/${jobId}/cancel`, alice.token).expect(200);
        const done = await settled(await contentOf(jobId), 10_000);
        expect(done.status).toBe('failed');
        expect(done.failureReason).toBe('video-processing: Cancelled: cancelled by its owner');
      } finally {
        await videoQueue.resume();
      }
    });

    it('refuses a playlist posing as a video instead of reading the files it names', async () => {
      // An HLS playlist naming a file on the worker's machine: ffmpeg would happily read it.
      const playlist = path.join(dir, 'playlist.mp4');
      await writeFile(
        playlist,
        `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:4,\n${clip}\n#EXT-X-ENDLIST\n`,
      );
      // Uploaded, it is refused at once (its content is text); given as a videoPath, ffprobe refuses it.
      const uploaded = await api
        .call('post', '/videos', bob.token)
        .attach('file', playlist, { filename: 'innocent.mp4', contentType: 'video/mp4' })
        .expect(400);
      expect(uploaded.body.message).toEqual([
        'file "innocent.mp4" (video/mp4) is not a video: its content is text, not a video container',
      ]);
      await putUpload('imports/innocent.mp4', playlist);
      const upload = await api
        .call('post', '/videos', bob.token)
        .send({ videoPath: 'imports/innocent.mp4' })
        .expect(202);
      const contentId = (
        await api.call('get', `/jobs/user/${upload.body.jobId}`, bob.token).expect(200)
      ).body.contentId as string;
      const done = await eventually(async () => {
        const c = await content(contentId, bob);
        return c.status === 'failed' && c;
      });
      expect(done.failureReason).toMatch(/^video-processing: ffprobe: .*Format not on whitelist/);
      expect(done.media.video).toBeUndefined();
    });

    it('transcripts: a loopback videoUrl is refused, and a language no engine serves fails by name', async () => {
      const server = await HttpFake.start();
      try {
        const upload = await api
          .call('post', '/videos', alice.token)
          .attach('file', clip, { filename: 'again.mp4', contentType: 'video/mp4' })
          .field('platforms', 'twitter')
          .expect(202);
        const contentId = await contentOf(upload.body.jobId);
        await settled(contentId);
        const failure = async (body: object) => {
          const job = await api
            .call('post', '/transcripts', alice.token)
            .send({ contentId, ...body })
            .expect(202);
          return eventually(async () => {
            const s = (await api.call('get', `/jobs/user/${job.body.jobId}`, alice.token))
              .body as JobView;
            return s.state === 'failed' && s;
          });
        };
        const loopback = await failure({ videoUrl: `${server.url}/clip.mp4`, language: 'en' });
        expect(loopback).toMatchObject({ attemptsMade: 1 });
        expect(loopback.failedReason).toMatch(/127\.0\.0\.1, a private or loopback address/);
        expect(server.requests).toEqual([]);
        const french = await failure({ language: 'fr' });
        expect(french.failedReason).toBe(
          'No speech engine for language "fr" (offline: English only; set SPEECH_BASE_URL for others)',
        );
        expect((await content(contentId)).failureReason).toMatch(
          /^transcript-generation: No speech/,
        );
      } finally {
        await server.stop();
      }
    });
  },
);
