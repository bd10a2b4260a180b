import { MailerModule, MailerOptions } from '@nestjs-modules/mailer';
import { HandlebarsAdapter } from '@nestjs-modules/mailer/adapters/handlebars.adapter';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import path from 'node:path';
import type { AppConfig } from '../config/app-config';
import { RedisModule } from '../infra/redis/redis.module';
import { MailLedger } from './mail-ledger';
import { MailService } from './mail.service';

export const TEMPLATES_DIR = path.join(__dirname, 'templates');

@Module({
  imports: [
    RedisModule,
    MailerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>): MailerOptions => {
        const mail = config.get('mail', { infer: true });
        return {
          // Without SMTP_URL, messages are rendered to a buffer and written to the outbox folder.
          transport: mail.smtpUrl ?? {
            streamTransport: true,
            buffer: true,
            newline: 'unix' as const,
          },
          defaults: { from: mail.from } as MailerOptions['defaults'],
          template: {
            dir: TEMPLATES_DIR,
            adapter: new HandlebarsAdapter(undefined, { inlineCssEnabled: false }),
            options: { strict: false },
          },
        };
      },
    }),
  ],
  providers: [MailService, MailLedger],
  exports: [MailService, MailLedger],
})
export class MailModule {}
