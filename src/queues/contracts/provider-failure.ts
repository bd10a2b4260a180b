import { PermanentJobError } from './job-errors';
import { ProviderError } from '../../integrations/http/provider-http';

/** A provider's 4xx (not 408/429) fails the job at once; anything else is left to the retries. */
export function asJobFailure(error: unknown): Error {
  if (error instanceof ProviderError && error.permanent)
    return new PermanentJobError(error.message);
  return error instanceof Error ? error : new Error(String(error));
}
