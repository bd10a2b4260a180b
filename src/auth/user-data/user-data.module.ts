import { Module } from '@nestjs/common';
import { ContentModule } from '../../content/content.module';
import { RedisModule } from '../../infra/redis/redis.module';
import { AuditModule } from '../../jobs/audit/audit.module';
import { MailModule } from '../../mail/mail.module';
import { MediaModule } from '../../media/media.module';
import { QueuesModule } from '../../queues';
import { SocialModule } from '../../social/social.module';
import { AuthModule } from '../auth.module';
import { UserDataController } from './user-data.controller';
import { UserDomainEraser } from './user-domain-eraser';
import { UserEraser } from './user-eraser.service';
import { UserExport } from './user-export.service';
import { UsersAdminController } from './users-admin.controller';

/** A user's data as one export, and its erase (their own, or by an admin). */
@Module({
  imports: [
    RedisModule,
    AuthModule,
    QueuesModule,
    ContentModule,
    SocialModule,
    MediaModule,
    MailModule,
    AuditModule,
  ],
  controllers: [UserDataController, UsersAdminController],
  providers: [UserExport, UserEraser, UserDomainEraser],
})
export class UserDataModule {}
