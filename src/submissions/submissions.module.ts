import { RedisModule } from '../infra/redis/redis.module';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { MediaModule } from '../media/media.module';
import { MulterModule } from '@nestjs/platform-express';
import type { AppConfig } from '../config/app-config';
import { ContentModule } from '../content/content.module';
import { SocialModule } from '../social/social.module';
import { SocialAccountsController } from './social-accounts.controller';
import { SubmissionQuota } from './submission-quota.service';
import { SubmissionsController } from './submissions.controller';
import { VideoUploadStorage } from './video-upload-storage';
import { StorageModule } from '../integrations/storage/storage.module';
import { OBJECT_STORAGE, type ObjectStorage } from '../integrations/storage/object-storage';
import { QueuesModule } from '../queues';

@Module({
  imports: [
    RedisModule,
    QueuesModule,
    ContentModule,
    SocialModule,
    MediaModule,
    MulterModule.registerAsync({
      imports: [StorageModule],
      inject: [ConfigService, OBJECT_STORAGE],
      useFactory: (config: ConfigService<AppConfig, true>, storage: ObjectStorage) => {
        const { maxBytes } = config.get('api', { infer: true }).uploads;
        return {
          // Looks at the first bytes before storing: see VideoUploadStorage and judgeUpload.
          storage: new VideoUploadStorage(storage),
          limits: { fileSize: maxBytes, files: 1, fields: 10 },
        };
      },
    }),
  ],
  controllers: [SubmissionsController, SocialAccountsController],
  providers: [SubmissionQuota],
})
export class SubmissionsModule {}
