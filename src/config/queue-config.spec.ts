import { EnvReader } from './env-reader';
import { queueEnvName, readJobsConfig } from './queue-config';

describe('queue settings from the environment', () => {
  it('names overrides QUEUE_<NAME>_<SETTING>', () => {
    expect(queueEnvName('video-processing', 'RATE_MAX')).toBe('QUEUE_VIDEO_PROCESSING_RATE_MAX');
  });

  it('keeps the catalogue numbers by default', () => {
    const { queues } = readJobsConfig(new EnvReader({}));
    expect(queues['video-processing']).toMatchObject({
      concurrency: 2,
      rateLimit: { max: 5, durationMs: 60_000 },
      defaultPriority: 5,
    });
    expect(queues['content-generation']).toMatchObject({
      concurrency: 5,
      rateLimit: { max: 20, durationMs: 60_000 },
    });
    expect(queues['email-sending']).toMatchObject({
      concurrency: 10,
      rateLimit: { max: 100, durationMs: 60_000 },
    });
    expect(queues['transcript-generation']).toMatchObject({
      concurrency: 3,
      rateLimit: { max: 10, durationMs: 60_000 },
    });
    expect(queues['social-posting']).toMatchObject({
      concurrency: 5,
      rateLimit: { max: 20, durationMs: 60_000 },
    });
    expect(queues['scheduled-posts']).toMatchObject({ concurrency: 5, rateLimit: undefined });
  });

  it('applies overrides, and gives a queue without a limit one when asked', () => {
    const { queues } = readJobsConfig(
      new EnvReader({
        QUEUE_EMAIL_SENDING_CONCURRENCY: '3',
        QUEUE_EMAIL_SENDING_RATE_DURATION_MS: '1000',
        QUEUE_SCHEDULED_POSTS_RATE_MAX: '7',
      }),
    );
    expect(queues['email-sending']).toMatchObject({
      concurrency: 3,
      rateLimit: { max: 100, durationMs: 1000 },
    });
    expect(queues['scheduled-posts'].rateLimit).toEqual({ max: 7, durationMs: 60_000 });
  });

  it('names the bad variable', () => {
    expect(() =>
      readJobsConfig(new EnvReader({ QUEUE_VIDEO_PROCESSING_CONCURRENCY: '0' })),
    ).toThrow('QUEUE_VIDEO_PROCESSING_CONCURRENCY must be an integer from 1 to 1000 (got "0")');
  });
});
