import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Params } from 'nestjs-pino';
import { pino, stdTimeFunctions, type LevelWithSilent } from 'pino';
import { REQUEST_ID_PATTERN } from '../../common/log-context';
import type { LogFormat, LogLevelName } from '../../config/app-config';

/** LOG_LEVEL keeps Nest's names; pino calls Nest's `log` info and `verbose` trace. */
const PINO_LEVELS: Record<LogLevelName, LevelWithSilent> = {
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/** Query parameters that may carry a credential (Bull Board and socket clients pass `token`). */
const SECRET_QUERY = /([?&](?:token|access_token|password|secret)=)[^&]*/gi;

export function withoutSecrets(url: string | undefined): string | undefined {
  return url?.replace(SECRET_QUERY, '$1[redacted]');
}

/**
 * The id of a request: the caller's `X-Request-Id` when it is a sane token, otherwise a fresh
 * UUID; returned in the response's `X-Request-Id` either way.
 */
export function requestIdFor(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

/**
 * nestjs-pino settings around the app's root logger. Lines name only what is safe: method, path
 * (credentials in the query redacted), status, time — never headers (Authorization, cookies) or
 * bodies (passwords, tokens, e-mail contents). Lines written while serving a request carry its
 * `requestId` (the request line and `req.log` come from request-log.ts, which bootstrap installs
 * first, and which runs the request in nestjs-pino's per-request store); job lines carry the job's
 * fields (see JobContext.logFields).
 */
export function pinoParams(level: LogLevelName, format: LogFormat): Params {
  const root = pino({
    level: PINO_LEVELS[level],
    base: { pid: process.pid },
    messageKey: 'msg',
    formatters: { level: (label) => ({ level: label }) },
    timestamp: stdTimeFunctions.isoTime,
    ...(format === 'pretty'
      ? {
          transport: {
            target: 'pino-pretty',
            options: {
              singleLine: true,
              ignore: 'pid,req,res,responseTime',
              messageFormat: '[{context}] {msg}',
            },
          },
        }
      : {}),
  });
  return {
    // No middleware of nestjs-pino's: request-log.ts makes the request's logger and runs the
    // request in nestjs-pino's store itself (probes and scrapes outside it), in one layer.
    forRoutes: [],
    useExisting: true,
    pinoHttp: { logger: root },
  };
}
