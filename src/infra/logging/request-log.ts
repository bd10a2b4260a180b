import type { IncomingMessage, ServerResponse } from 'node:http';
import { storage, Store } from 'nestjs-pino/storage';
import type { Level, Logger } from 'pino';
import { PROBE_PATHS } from '../../common/probe-paths';
import { requestIdFor, withoutSecrets } from './pino-params';

type LoggedRequest = IncomingMessage & { id?: string; log?: Logger; originalUrl?: string };

/** Hears each answered request and how long it took (the HTTP metrics). */
export type RequestTiming = (req: IncomingMessage, res: ServerResponse, seconds: number) => void;

function levelFor(status: number): Level {
  return status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
}

/**
 * One line per HTTP request, in the shape pino-http wrote (`requestId`, `req: {method, url}`,
 * `res: {statusCode}`, `responseTime`, the message), and the request's child logger on `req.log`,
 * the rest of the request run inside nestjs-pino's per-request store with it, so lines written
 * while serving it carry its `requestId` (nestjs-pino itself installs no middleware: see
 * pino-params). Each answered request, probes too, is also handed to `timed`.
 *
 * Our own, and one layer with one listener for the line, the store and the timing, because
 * bench:http measured what each piece in front of a handler costs: pino-http made two child
 * loggers per request (one serialising the whole request) and three listeners (the API's capacity
 * went a fifth higher without it), and the timing as a Nest middleware of its own added a layer
 * per route form and a listener. Health and metrics are not logged, get no id and run outside
 * the store: once a request uses it, the store (an AsyncLocalStorage) slows every await of the
 * process on Node 20.
 */
export function requestLog(root: Logger, timed: RequestTiming) {
  return (req: LoggedRequest, res: ServerResponse, next: () => void): void => {
    const started = performance.now();
    const log = PROBE_PATHS.test(req.url ?? '')
      ? undefined
      : root.child({ requestId: tag(req, res) });
    // 'close' comes after 'finish' for every response, and alone when the client went first.
    res.once('close', () => {
      const seconds = (performance.now() - started) / 1000;
      if (res.writableFinished) timed(req, res, seconds);
      if (log) line(log, req, res, Math.round(seconds * 1000));
    });
    if (!log) return next();
    req.log = log;
    storage.run(new Store(log), next);
  };
}

function tag(req: LoggedRequest, res: ServerResponse): string {
  const id = requestIdFor(req, res);
  req.id = id;
  return id;
}

function line(log: Logger, req: LoggedRequest, res: ServerResponse, responseTime: number): void {
  const status = res.statusCode;
  const level = levelFor(status);
  if (!log.isLevelEnabled(level)) return;
  const url = withoutSecrets(req.originalUrl ?? req.url);
  log[level](
    { req: { method: req.method, url }, res: { statusCode: status }, responseTime },
    status >= 500
      ? `${req.method} ${url} ${status}: failed with status code ${status}`
      : `${req.method} ${url} ${status} in ${responseTime} ms`,
  );
}
