import { EnvReader } from './env-reader';
import { applyQueueOverride, queueEnvName, readJobsConfig } from './queue-config';
import { VIDEO_PROCESSING_QUEUE } from '../queues/video-processing/video-processing.queue';
import { SCHEDULED_POSTS_QUEUE } from '../queues/scheduled-posts/scheduled-posts.queue';
import { EMAIL_SENDING_QUEUE } from '../queues/email-sending/email-sending.queue';

describe('queue settings from the environment', () => {
  it('names overrides QUEUE_<NAME>_<SETTING>', () => {
    expect(queueEnvName('video-processing', 'RATE_MAX')).toBe('QUEUE_VIDEO_PROCESSING_RATE_MAX');
  });

  it('keeps the catalogue numbers by default', () => {
    const { queueOverrides } = readJobsConfig(new EnvReader({}));
    expect(queueOverrides).toEqual({});
    expect(applyQueueOverride(VIDEO_PROCESSING_QUEUE.spec)).toMatchObject({
      concurrency: 2,
      rateLimit: { max: 5, durationMs: 60_000 },
      defaultPriority: 5,
    });
  });

  it('applies overrides, and gives a queue without a limit one when asked', () => {
    const { queueOverrides } = readJobsConfig(
      new EnvReader({
        QUEUE_EMAIL_SENDING_CONCURRENCY: '3',
        QUEUE_EMAIL_SENDING_RATE_DURATION_MS: '1000',
        QUEUE_SCHEDULED_POSTS_RATE_MAX: '7',
        QUEUE_ALERT_BACKLOG: '5',
      }),
    );
    expect(Object.keys(queueOverrides).sort()).toEqual(['EMAIL_SENDING', 'SCHEDULED_POSTS']);
    expect(
      applyQueueOverride(EMAIL_SENDING_QUEUE.spec, queueOverrides.EMAIL_SENDING),
    ).toMatchObject({
      concurrency: 3,
      rateLimit: { max: 100, durationMs: 1000 },
    });
    expect(
      applyQueueOverride(SCHEDULED_POSTS_QUEUE.spec, queueOverrides.SCHEDULED_POSTS).rateLimit,
    ).toEqual({ max: 7, durationMs: 60_000 });
  });

  it('names the bad variable', () => {
    expect(() =>
      readJobsConfig(new EnvReader({ QUEUE_VIDEO_PROCESSING_CONCURRENCY: '0' })),
    ).toThrow('QUEUE_VIDEO_PROCESSING_CONCURRENCY must be an integer from 1 to 1000 (got "0")');
  });
});
