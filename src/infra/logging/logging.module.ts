import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import type { AppConfig } from '../../config/app-config';
import { pinoParams } from './pino-params';

/** Structured logs (nestjs-pino): one line per HTTP request, and Nest's Logger routed to pino. */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) =>
        pinoParams(
          config.get('logLevel', { infer: true }),
          config.get('logFormat', { infer: true }),
        ),
    }),
  ],
  exports: [LoggerModule],
})
export class LoggingModule {}
