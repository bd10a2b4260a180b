import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from '../infra/metrics/metrics';
import type { RequestTiming } from '../infra/logging/request-log';

/**
 * Times each answered HTTP request into `click_http_request_duration_seconds`, labelled by route
 * template (never the path's ids: Express's matched route, `unmatched` for none) and status
 * class. Handed to the request-log middleware (bootstrap), which already listens for each
 * response's end.
 */
export function httpTiming(metrics: Metrics): RequestTiming {
  return (req: IncomingMessage, res: ServerResponse, seconds: number) => {
    const route = (req as IncomingMessage & { route?: { path?: unknown } }).route?.path;
    metrics.http.observe(
      {
        method: req.method ?? 'unknown',
        route: typeof route === 'string' ? route : 'unmatched',
        status: `${Math.floor(res.statusCode / 100)}xx`,
      },
      seconds,
    );
  };
}
