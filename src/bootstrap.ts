import { INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger, PinoLogger } from 'nestjs-pino';
import { ADMIN_BOARD_ROUTE } from './admin-board/admin-board-route';
import { AppModule } from './app.module';
import { AppConfig, LogLevelName, runsApi } from './config/app-config';
import { setupApi } from './http/setup-api';
import { requestLog } from './infra/logging/request-log';
import { Metrics } from './infra/metrics/metrics';
import { httpTiming } from './metrics/http-timing';

export interface CreateAppOptions {
  /** Overrides LOG_LEVEL (tests and benchmarks keep their output to errors). */
  logLevel?: LogLevelName;
  /** Close cleanly and exit 0 on SIGTERM / SIGINT (off for apps created inside tests). */
  shutdownHooks?: boolean;
  /** More modules for this app (a queue folder's module, say); see AppModule.forRoot. */
  extraModules?: Type<unknown>[];
}

/** Builds the Nest application for a validated config; shared by main.ts, tests and benchmarks. */
export async function createApp(
  config: AppConfig,
  options: CreateAppOptions = {},
): Promise<INestApplication> {
  const app = await NestFactory.create(
    AppModule.forRoot(
      { ...config, logLevel: options.logLevel ?? config.logLevel },
      options.extraModules,
    ),
    // Start-up lines wait for the pino logger (LOG_FORMAT, LOG_LEVEL) instead of Nest's own.
    { abortOnError: false, bufferLogs: true },
  );
  app.useLogger(app.get(Logger));
  // First of all middleware: every later one, and the handlers, log under the request's id.
  // Outside a request PinoLogger's logger is the root one (see pino-params). It also times
  // each request for /metrics.
  app.use(requestLog((await app.resolve(PinoLogger)).logger, httpTiming(app.get(Metrics))));
  // Bull Board's UI lives at /admin/queues, outside the API prefix (see AdminBoardModule).
  // Prometheus scrapes /metrics, the convention, also outside the prefix.
  app.setGlobalPrefix('api', {
    exclude: [ADMIN_BOARD_ROUTE, `${ADMIN_BOARD_ROUTE}/{*rest}`, 'metrics'],
  });
  if (runsApi(config.role)) setupApi(app, config);
  // Exit 0 after a clean shutdown instead of re-raising the signal (Nest's default).
  if (options.shutdownHooks !== false)
    app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  return app;
}
