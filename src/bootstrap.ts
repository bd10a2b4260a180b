import { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ADMIN_BOARD_ROUTE } from './admin-board/admin-board-route';
import { AppModule } from './app.module';
import { AppConfig, runsApi } from './config/app-config';
import { setupApi } from './http/setup-api';

export interface CreateAppOptions {
  logger?: LogLevel[] | false;
  /** Close cleanly and exit 0 on SIGTERM / SIGINT (off for apps created inside tests). */
  shutdownHooks?: boolean;
}

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** LOG_LEVEL=warn shows fatal, error and warn; and so on. */
export function logLevelsUpTo(level: AppConfig['logLevel']): LogLevel[] {
  return LEVELS.slice(0, LEVELS.indexOf(level) + 1);
}

/** Builds the Nest application for a validated config; shared by main.ts, tests and benchmarks. */
export async function createApp(
  config: AppConfig,
  options: CreateAppOptions = {},
): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.forRoot(config), {
    abortOnError: false,
    logger: options.logger ?? logLevelsUpTo(config.logLevel),
  });
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
