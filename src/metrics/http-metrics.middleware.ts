import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Metrics } from '../infra/metrics/metrics';

/** Times each HTTP request; labelled by route template (never the path's ids) and status class. */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: Metrics) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const end = this.metrics.http.startTimer();
    response.once('finish', () => {
      const route = (request.route as { path?: string } | undefined)?.path;
      end({
        method: request.method,
        route: typeof route === 'string' ? route : 'unmatched',
        status: `${Math.floor(response.statusCode / 100)}xx`,
      });
    });
    next();
  }
}
