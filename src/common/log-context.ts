import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The id of the HTTP request being served, for the jobs it queues: they carry it to their
 * workers' log lines, so a job's lines can be found from the request that made it. Only API
 * handlers run inside it (nestjs-pino keeps such a store per request anyway); workers pass job
 * fields explicitly (JobContext.logFields).
 */
const storage = new AsyncLocalStorage<string>();

export function runWithRequestId<T>(requestId: string, fn: () => T): T {
  return storage.run(requestId, fn);
}

export function currentRequestId(): string | undefined {
  return storage.getStore();
}

/** `X-Request-Id` values we accept from a caller (anything else is replaced by a fresh id). */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
