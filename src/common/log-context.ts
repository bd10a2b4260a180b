import { AsyncLocalStorage } from 'node:async_hooks';

/** The job a worker is running, as its log lines name it. */
export interface JobLogFields {
  queue: string;
  jobId: string;
  attempt: number;
  ownerId?: string;
}

/**
 * What the code running now does on someone's behalf: an HTTP request (its id) or a job (and the
 * id of the request that queued it). A job queued inside inherits the request id, so a job's log
 * lines can be found from the request that made it, across processes.
 */
export interface LogContext {
  requestId?: string;
  job?: JobLogFields;
}

const storage = new AsyncLocalStorage<LogContext>();

export function runInLogContext<T>(context: LogContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentLogContext(): LogContext | undefined {
  return storage.getStore();
}

/**
 * Fields for a line written while a job runs (the logger's mixin adds them to every line). Inside
 * an HTTP request there are none: the request's own logger already names its id.
 */
export function jobLogFields(context = storage.getStore()): Record<string, unknown> {
  if (!context?.job) return {};
  return { ...context.job, requestId: context.requestId };
}

/** `X-Request-Id` values we accept from a caller (anything else is replaced by a fresh id). */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
