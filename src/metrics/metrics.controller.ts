import { timingSafeEqual } from 'node:crypto';
import {
  Controller,
  ForbiddenException,
  Get,
  Header,
  NotFoundException,
  Req,
  UnauthorizedException,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '../auth/auth.decorators';
import type { AppConfig } from '../config/app-config';
import { Metrics } from '../infra/metrics/metrics';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Prometheus text format at GET /metrics (outside /api), in every role. With METRICS_TOKEN set a
 * scraper sends `Authorization: Bearer <token>`; without it only loopback addresses may scrape.
 */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  private readonly token?: string;

  constructor(
    private readonly metrics: Metrics,
    config: ConfigService<AppConfig, true>,
  ) {
    this.token = config.get('metricsToken', { infer: true });
  }

  @Public()
  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Req() request: Request): Promise<string> {
    if (!this.metrics.enabled)
      throw new NotFoundException('Metrics are off (METRICS_ENABLED=false)');
    if (this.token) {
      const given = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
      if (!given || !sameSecret(given, this.token))
        throw new UnauthorizedException('Send Authorization: Bearer <METRICS_TOKEN>');
    } else if (!LOOPBACK.has(request.socket.remoteAddress ?? '')) {
      throw new ForbiddenException('Only loopback may scrape without METRICS_TOKEN');
    }
    request.res?.setHeader('Content-Type', this.metrics.registry.contentType);
    return this.metrics.registry.metrics();
  }
}
