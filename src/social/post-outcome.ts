import { ProviderError } from '../integrations/http/provider-http';
import type { PostingPlatform } from '../common/platforms';
import { PermanentJobError } from '../queues/contracts/job-errors';
import type { PostLedgerEntry } from './post-ledger.schema';

export interface PlatformOutcome {
  platform: PostingPlatform;
  state: PostLedgerEntry['state'];
  postId?: string;
  url?: string;
  error?: string;
}

/**
 * What a failed publish (not a 429) leaves in the ledger. "Duplicate content" means the platform
 * has this post already (an earlier attempt's, its timeline lagging): uncertain, so the next
 * attempt looks it up again. Only answers that show the platform did not act are safe to try
 * again (retryable); a refusal for good fails; anything else may have posted (uncertain).
 */
export function failedPostState(
  error: unknown,
  message: string,
): 'failed' | 'retryable' | 'uncertain' {
  if (error instanceof ProviderError && error.status === 403 && /duplicate/i.test(message))
    return 'uncertain';
  if (error instanceof PermanentJobError || (error instanceof ProviderError && error.permanent))
    return 'failed';
  const definite = error instanceof ProviderError && (error.notSent || (error.status ?? 0) >= 500);
  return definite ? 'retryable' : 'uncertain';
}

export function outcomeOf(entry: PostLedgerEntry): PlatformOutcome {
  return {
    platform: entry.platform,
    state: entry.state,
    postId: entry.postId,
    url: entry.url,
    error: entry.error,
  };
}
