import type { ContentService } from '../../src/content/content.service';
import { PipelineSteps } from '../../src/queues/pipeline/pipeline-steps';
import type { ContentGenerationProducer } from '../../src/queues/content-generation/content-generation.producer';
import type { TranscriptGenerationProducer } from '../../src/queues/transcript-generation/transcript-generation.producer';

/** Stand-ins for the two services the steps call, recording what they were asked. */
function steps() {
  const calls: unknown[][] = [];
  const transcripts = {
    generate: (payload: unknown, opts: { jobId: string }) => {
      calls.push(['transcript', payload, opts.jobId]);
      return Promise.resolve({ jobId: opts.jobId });
    },
  } as unknown as TranscriptGenerationProducer;
  const generation = {
    generate: (payload: unknown, opts: { jobId: string }) => {
      calls.push(['content', payload, opts.jobId]);
      return Promise.resolve({ jobId: opts.jobId });
    },
  } as unknown as ContentGenerationProducer;
  const contents = {
    setStatus: (...args: unknown[]) => Promise.resolve(void calls.push(['status', ...args])),
    saveMedia: (...args: unknown[]) => Promise.resolve(void calls.push(['media', ...args])),
  } as unknown as ContentService;
  return { pipeline: new PipelineSteps(transcripts, generation, contents), calls };
}

const video = {
  contentId: 'c1',
  videoPath: 'a.mp4',
  userId: 'u1',
  pipeline: { language: 'en', platforms: ['twitter' as const] },
};

describe('PipelineSteps: video → transcript → content', () => {
  it('queues the transcript under an id derived from the video job', async () => {
    const { pipeline, calls } = steps();
    const next = await pipeline.afterVideo(video, { audioCodec: 'aac' } as never, { jobId: 'v9' });
    expect(next).toEqual({ transcriptJobId: 'v9-transcript' });
    expect(calls).toEqual([
      [
        'transcript',
        { contentId: 'c1', language: 'en', userId: 'u1', generatePosts: ['twitter'] },
        'v9-transcript',
      ],
    ]);
  });

  it('carries the request id of the first step to the jobs it queues', async () => {
    const seen: unknown[] = [];
    const record = (payload: unknown, opts: unknown) => {
      seen.push(opts);
      return Promise.resolve({ jobId: 'next' });
    };
    const pipeline = new PipelineSteps(
      { generate: record } as unknown as TranscriptGenerationProducer,
      { generate: record } as unknown as ContentGenerationProducer,
      {} as ContentService,
    );
    await pipeline.afterVideo(video, { audioCodec: 'aac' } as never, {
      jobId: 'v9',
      requestId: 'req-1',
    });
    const transcript = { contentId: 'c1', language: 'en', userId: 'u1', generatePosts: ['x'] };
    await pipeline.afterTranscript(transcript as never, 'words', {
      jobId: 't1',
      requestId: 'req-1',
    });
    expect(seen).toEqual([
      { jobId: 'v9-transcript', requestId: 'req-1' },
      { jobId: 't1-content', requestId: 'req-1' },
    ]);
  });

  it('stops at a silent video, saying why, and marks the content ready', async () => {
    const { pipeline, calls } = steps();
    expect(await pipeline.afterVideo(video, {} as never, { jobId: 'v9' })).toBeUndefined();
    expect(calls).toEqual([
      ['media', 'c1', 'transcript', { skipped: 'the video has no audio track' }],
      ['status', 'c1', 'ready'],
    ]);
  });

  it('cuts a long transcript at a word before generating, and fails the content with a step', async () => {
    const { pipeline, calls } = steps();
    const transcript = { contentId: 'c1', language: 'en', userId: 'u1', generatePosts: ['x'] };
    await pipeline.afterTranscript(transcript as never, 'word '.repeat(20_000), { jobId: 't1' });
    const [, payload, id] = calls[0] as [string, { text: string }, string];
    expect(id).toBe('t1-content');
    expect(payload.text.length).toBeLessThanOrEqual(50_000);
    expect(payload.text.endsWith('word')).toBe(true);
    await pipeline.stepFinished(
      'video-processing',
      { contentId: 'c1' },
      {
        state: 'failed',
        reason: 'ffmpeg exited 1',
      },
    );
    expect(calls.at(-1)).toEqual(['status', 'c1', 'failed', 'video-processing: ffmpeg exited 1']);
  });
});
