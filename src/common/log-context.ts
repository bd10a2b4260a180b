import { storage } from 'nestjs-pino/storage';

/**
 * The id of the HTTP request being served, for the jobs it queues: they carry it to their
 * workers' log lines, so a job's lines can be found from the request that made it.
 *
 * Read from nestjs-pino's per-request store: the request's child logger (request-log.ts) carries it
 * as `requestId` (see pino-params), and nestjs-pino runs the rest of the request inside that
 * store. A second AsyncLocalStorage of our own, entered by a global interceptor, cost a third of
 * the API's capacity (bench:http: the interceptor took each request through rxjs, and on Node 20
 * every store in use slows every await). Workers pass job fields explicitly (JobContext.logFields).
 */
export function currentRequestId(): string | undefined {
  const bindings = storage.getStore()?.logger.bindings() as { requestId?: unknown } | undefined;
  return typeof bindings?.requestId === 'string' ? bindings.requestId : undefined;
}

/** `X-Request-Id` values we accept from a caller (anything else is replaced by a fresh id). */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
