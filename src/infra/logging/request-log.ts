import type { IncomingMessage, ServerResponse } from 'node:http';
import { storage, Store } from 'nestjs-pino/storage';
import type { Level, Logger } from 'pino';
import { requestIdFor, withoutSecrets } from './pino-params';

/** Probes and scrapers call these every few seconds; their lines would drown the rest. */
const QUIET_PATHS = /^\/(api\/health(\/|$|\?)|metrics($|\?))/;

type LoggedRequest = IncomingMessage & { id?: string; log?: Logger; originalUrl?: string };

function levelFor(status: number): Level {
  return status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
}

/**
 * One line per HTTP request, in the shape pino-http wrote (`requestId`, `req: {method, url}`,
 * `res: {statusCode}`, `responseTime`, the message), and the request's child logger on `req.log`,
 * the rest of the request run inside nestjs-pino's per-request store with it, so lines written
 * while serving it carry its `requestId` (nestjs-pino itself installs no middleware: see
 * pino-params). Our own because pino-http made two child loggers per request (one serialising
 * the whole request) and three listeners: bench:http measured the API's capacity a fifth higher
 * without it. Health and metrics are not logged, get no id and run outside the store: once a
 * request uses it, the store (an AsyncLocalStorage) slows every await of the process on Node 20.
 */
export function requestLog(root: Logger) {
  return (req: LoggedRequest, res: ServerResponse, next: () => void): void => {
    if (QUIET_PATHS.test(req.url ?? '')) return next();
    const started = Date.now();
    const id = requestIdFor(req, res);
    req.id = id;
    const log = root.child({ requestId: id });
    req.log = log;
    const done = () => {
      res.removeListener('close', done);
      res.removeListener('finish', done);
      const status = res.statusCode;
      const level = levelFor(status);
      if (!log.isLevelEnabled(level)) return;
      const responseTime = Date.now() - started;
      const url = withoutSecrets(req.originalUrl ?? req.url);
      log[level](
        { req: { method: req.method, url }, res: { statusCode: status }, responseTime },
        status >= 500
          ? `${req.method} ${url} ${status}: failed with status code ${status}`
          : `${req.method} ${url} ${status} in ${responseTime} ms`,
      );
    };
    res.on('close', done);
    res.on('finish', done);
    storage.run(new Store(log), next);
  };
}
