import { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import type { AppConfig } from './config/app-config';

export interface CreateAppOptions {
  logger?: LogLevel[] | false;
}

/** Builds the Nest application for a validated config; shared by main.ts, tests and benchmarks. */
export async function createApp(
  config: AppConfig,
  options: CreateAppOptions = {},
): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.forRoot(config), {
    abortOnError: false,
    logger: options.logger ?? ['log', 'warn', 'error'],
  });
  app.setGlobalPrefix('api');
  // Exit 0 after a clean shutdown instead of re-raising the signal (Nest's default).
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  return app;
}
