import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import os from 'node:os';
import path from 'node:path';
import { ApiClient, Session } from '../support/api-client';
import { contentOfJob, pipelineEnded } from '../support/content-api';
import { HttpFake, RecordedRequest, Reply } from '../support/fakes/http-fake';
import { makeSpokenClip } from '../support/media-fixtures';
import { dropTestData, eventually, startTestApp, TestApp } from '../support/test-app';
import { uniqueName } from '../support/test-env';

const FRENCH: Reply = {
  status: 200,
  body: {
    task: 'transcribe',
    language: 'french',
    duration: 3.1,
    text: 'Bonjour le monde. Ceci est un essai.',
    segments: [
      { id: 0, start: 0, end: 1.2, text: ' Bonjour le monde.' },
      { id: 1, start: 1.4, end: 3.05, text: ' Ceci est un essai.' },
    ],
  },
};

/** Transcripts through an OpenAI-compatible /audio/transcriptions API, played on loopback. */
describe('speech-to-text through an OpenAI-compatible provider', () => {
  let speech: HttpFake;
  let app: TestApp;
  let api: ApiClient;
  let alice: Session;
  let dir: string;
  let clip: string;
  const calls: RecordedRequest[] = [];
  let reply: Reply = FRENCH;
  let videos: Server | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'click-speech-'));
    clip = await makeSpokenClip(dir, 'bonjour le monde');
    speech = await HttpFake.start();
    speech.on('POST', '/v1/audio/transcriptions', (r) => {
      calls.push(r);
      return reply;
    });
    app = await startTestApp(
      uniqueName('speech'),
      {
        DATA_DIR: path.join(dir, 'data'),
        SPEECH_BASE_URL: `${speech.url}/v1`,
        SPEECH_API_KEY: 'sk-test-speech',
        // Here the "remote" videos are served on loopback, so this deployment allows it.
        MEDIA_ALLOW_PRIVATE_URLS: 'true',
        MEDIA_DOWNLOAD_MAX_BYTES: '2000000',
      },
      { listen: true },
    );
    api = new ApiClient(app.app);
    alice = await api.register('Alice');
  }, 60_000);

  afterAll(async () => {
    await new Promise((resolve) => videos?.close(resolve));
    await dropTestData(app);
    await app.close();
    await speech.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const upload = async () => {
    const res = await api
      .call('post', '/videos', alice.token)
      .attach('file', clip, { filename: 'bonjour.mp4', contentType: 'video/mp4' })
      .field('language', 'fr')
      .field('platforms', 'twitter')
      .expect(202);
    return pipelineEnded(api, alice, await contentOfJob(api, alice, res.body.jobId), 60_000);
  };

  it('sends the extracted audio as MP3 with model and language, and stores timed captions', async () => {
    const done = await upload();
    expect(done.status).toBe('ready');
    expect(done.media.transcript).toMatchObject({
      language: 'fr',
      engine: 'openai-compatible:whisper-1',
      text: 'Bonjour le monde. Ceci est un essai.',
      segments: [
        { start: 0, end: 1.2, text: 'Bonjour le monde.' },
        { start: 1.4, end: 3.05, text: 'Ceci est un essai.' },
      ],
    });
    const vttName = path.basename(done.media.transcript!.files.vtt);
    const vtt = (
      await api.call('get', `/content/${done.id}/files/${vttName}`, alice.token).expect(200)
    ).text;
    expect(vtt).toBe(
      'WEBVTT\n\n00:00:00.000 --> 00:00:01.200\nBonjour le monde.\n\n' +
        '00:00:01.400 --> 00:00:03.050\nCeci est un essai.\n',
    );
    expect(done.posts.twitter.text).toMatch(/Bonjour le monde/);

    expect(calls).toHaveLength(1);
    const call = calls[0];
    expect(call.headers.authorization).toBe('Bearer sk-test-speech');
    expect(call.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    const body = call.body as string;
    const field = (name: string) =>
      new RegExp(`name="${name.replace(/[[\]]/g, '\\$&')}"\\r\\n\\r\\n([^\\r]*)\\r\\n`).exec(
        body,
      )?.[1];
    expect(field('model')).toBe('whisper-1');
    expect(field('language')).toBe('fr');
    expect(field('response_format')).toBe('verbose_json');
    // MP3 (an ID3 header first), not WAV: APIs cap upload sizes.
    expect(body).toMatch(/filename="audio\.mp3"\r\nContent-Type: audio\/mpeg\r\n\r\nID3/);
  });

  it('fails the step for good on a 4xx from the provider, and the content with it', async () => {
    calls.length = 0;
    reply = { status: 400, body: { error: { message: 'Audio file is too short' } } };
    const done = await upload();
    expect(done.status).toBe('failed');
    expect(done.failureReason).toBe(
      'transcript-generation: speech: HTTP 400: Audio file is too short',
    );
    expect(done.timeline.map((s) => [s.step, s.state, s.attemptsMade])).toEqual([
      ['video-processing', 'completed', 1],
      ['transcript-generation', 'failed', 1],
    ]);
    expect(calls).toHaveLength(1);
  });

  it('fetches a videoUrl within the size limit, and refuses a larger one', async () => {
    calls.length = 0;
    reply = FRENCH;
    videos = createServer((req, res) => {
      if (req.url === '/big.mp4') {
        res.writeHead(200, { 'content-type': 'video/mp4' });
        // No Content-Length: the limit must hold on the bytes as they stream in.
        res.end(Buffer.alloc(3_000_000, 1));
        return;
      }
      if (req.url === '/notes.mp4') {
        res.writeHead(200, { 'content-type': 'video/mp4' });
        res.end('meeting notes, not a video\n'.repeat(100));
        return;
      }
      const isAudio = req.url === '/speech.mp3';
      res.writeHead(200, { 'content-type': isAudio ? 'audio/mpeg' : 'video/mp4' });
      createReadStream(isAudio ? audioOnly : clip).pipe(res);
    });
    await new Promise<void>((resolve) => videos!.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(videos.address() as AddressInfo).port}`;
    const created = await api
      .call('post', '/content/generate', alice.token)
      .send({ text: 'A post to caption later.', platforms: ['twitter'] })
      .expect(202);
    const contentId = (await api.call('get', `/jobs/user/${created.body.jobId}`, alice.token)).body
      .contentId as string;
    const transcribe = async (videoUrl: string) => {
      const job = await api
        .call('post', '/transcripts', alice.token)
        .send({ contentId, videoUrl, language: 'fr' })
        .expect(202);
      return eventually(async () => {
        const s = (await api.call('get', `/jobs/user/${job.body.jobId}`, alice.token)).body as {
          state: string;
          attemptsMade: number;
          failedReason?: string;
        };
        return ['completed', 'failed'].includes(s.state) && s;
      });
    };

    expect(await transcribe(`${base}/clip.mp4`)).toMatchObject({ state: 'completed' });
    expect(calls).toHaveLength(1);
    // A podcast-style URL: sound only, no video.
    const audioOnly = path.join(dir, 'speech.mp3');
    await promisify(execFile)('ffmpeg', ['-v', 'error', '-y', '-i', clip, '-vn', audioOnly]);
    expect(await transcribe(`${base}/speech.mp3`)).toMatchObject({ state: 'completed' });
    expect(calls).toHaveLength(2);
    // Not media at all: fails once, with ffmpeg's reason, instead of downloading it three times.
    const notes = await transcribe(`${base}/notes.mp4`);
    expect(notes).toMatchObject({ state: 'failed', attemptsMade: 1 });
    expect(notes.failedReason).toMatch(/^ffmpeg: .*Invalid data found/);
    const c = (await api.call('get', `/content/${contentId}`, alice.token)).body as {
      media: { transcript: { text: string } };
    };
    expect(c.media.transcript.text).toBe('Bonjour le monde. Ceci est un essai.');

    expect(await transcribe(`${base}/big.mp4`)).toMatchObject({
      state: 'failed',
      attemptsMade: 1,
      failedReason: 'videoUrl is larger than 2000000 bytes',
    });
    expect(calls).toHaveLength(2);
  });
});
