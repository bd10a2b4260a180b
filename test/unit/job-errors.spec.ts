import {
  explainFailure,
  isCancelledReason,
  JobCancelledError,
  PermanentJobError,
  permanentWhen,
} from '../../src/queues/contracts/job-errors';
import { asJobFailure } from '../../src/queues/contracts/provider-failure';
import { ProviderError, ProviderRefusal } from '../../src/integrations/http/provider-http';

class UnreadableFile extends Error {}

describe('job errors: which failures are worth another attempt', () => {
  it('turns the named kind into a permanent failure and lets others through', () => {
    expect(() => permanentWhen(UnreadableFile)(new UnreadableFile('not a video'))).toThrow(
      PermanentJobError,
    );
    const other = new Error('socket hang up');
    expect(() => permanentWhen(UnreadableFile)(other)).toThrow(other);
  });

  it("makes a provider's 4xx and an adapter's refusal permanent, not a 5xx, 408 or 429", () => {
    expect(asJobFailure(new ProviderError('llm', 'bad key', 401))).toBeInstanceOf(
      PermanentJobError,
    );
    expect(asJobFailure(new ProviderRefusal('linkedin', 'no author URN'))).toBeInstanceOf(
      PermanentJobError,
    );
    for (const status of [408, 429, 503, undefined])
      expect(asJobFailure(new ProviderError('llm', 'busy', status))).not.toBeInstanceOf(
        PermanentJobError,
      );
    expect(asJobFailure('plain text')).toEqual(new Error('plain text'));
  });

  it('recognises a cancellation and spells out BullMQ’s stall message', () => {
    expect(isCancelledReason(new JobCancelledError('by admin').message)).toBe(true);
    expect(isCancelledReason('Posting failed')).toBe(false);
    expect(explainFailure('job stalled more than allowable limit')).toMatch(/JOB_MAX_STALLS/);
    expect(explainFailure('twitter: 503')).toBe('twitter: 503');
  });
});
