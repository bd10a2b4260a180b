import { RedisModule } from '../infra/redis/redis.module';
import { BadRequestException, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { MediaModule } from '../media/media.module';
import { MulterModule } from '@nestjs/platform-express';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { diskStorage } from 'multer';
import type { AppConfig } from '../config/app-config';
import { ContentModule } from '../content/content.module';
import { SocialModule } from '../social/social.module';
import { SocialAccountsController } from './social-accounts.controller';
import { SubmissionQuota } from './submission-quota.service';
import { SubmissionsController } from './submissions.controller';
import { QueuesModule } from '../queues';

const VIDEO_EXTENSIONS = [
  '.mp4',
  '.mov',
  '.m4v',
  '.webm',
  '.mkv',
  '.avi',
  '.mpeg',
  '.mpg',
  '.ogv',
  '.3gp',
];

@Module({
  imports: [
    RedisModule,
    QueuesModule,
    ContentModule,
    SocialModule,
    MediaModule,
    MulterModule.registerAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) => {
        const { dir, maxBytes } = config.get('api', { infer: true }).uploads;
        mkdirSync(dir, { recursive: true });
        return {
          // Random names: nothing of the client's file name reaches the file system.
          storage: diskStorage({
            destination: dir,
            filename: (_req, file, done) =>
              done(
                null,
                `${randomBytes(12).toString('hex')}${path.extname(file.originalname).toLowerCase()}`,
              ),
          }),
          limits: { fileSize: maxBytes, files: 1, fields: 10 },
          fileFilter: (_req, file, done) => {
            const isVideo =
              file.mimetype.startsWith('video/') &&
              VIDEO_EXTENSIONS.includes(path.extname(file.originalname).toLowerCase());
            done(
              isVideo
                ? null
                : new BadRequestException([
                    `file must be a video (${VIDEO_EXTENSIONS.join(', ')})`,
                  ]),
              isVideo,
            );
          },
        };
      },
    }),
  ],
  controllers: [SubmissionsController, SocialAccountsController],
  providers: [SubmissionQuota],
})
export class SubmissionsModule {}
