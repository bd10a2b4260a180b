import { RedisModule } from '../infra/redis/redis.module';
import { MetricsModule } from '../infra/metrics/metrics.module';
import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ContentModule } from '../content/content.module';
import { DerivedIndexModule } from '../infra/derived-index/derived-index.module';
import { SocialPlatformsModule } from '../integrations/social/social-platforms.module';
import { PostLedgerEntry, PostLedgerSchema } from './post-ledger.schema';
import { PostLedgerService } from './post-ledger.service';
import { ScheduledPost, ScheduledPostSchema } from './scheduled-post.schema';
import { ScheduledPostsDueIndex } from './scheduled-posts-due-index';
import { ScheduledPostsService } from './scheduled-posts.service';
import { SocialAccount, SocialAccountSchema } from './social-account.schema';
import { SocialAccountsMigration } from './social-accounts.migration';
import { SocialAccountsService } from './social-accounts.service';
import { SocialPublishingService } from './social-publishing.service';
import { AccountHolds } from './account-holds';
import { AccountRateLimits } from './account-rate-limits';

@Module({
  imports: [
    RedisModule,
    MetricsModule,
    MongooseModule.forFeature([
      { name: SocialAccount.name, schema: SocialAccountSchema },
      { name: PostLedgerEntry.name, schema: PostLedgerSchema },
      { name: ScheduledPost.name, schema: ScheduledPostSchema },
    ]),
    ContentModule,
    DerivedIndexModule,
    SocialPlatformsModule,
  ],
  providers: [
    SocialAccountsMigration,
    SocialAccountsService,
    PostLedgerService,
    SocialPublishingService,
    AccountHolds,
    AccountRateLimits,
    ScheduledPostsDueIndex,
    ScheduledPostsService,
  ],
  exports: [
    SocialAccountsService,
    SocialPublishingService,
    ScheduledPostsService,
    PostLedgerService,
    AccountHolds,
  ],
})
export class SocialModule {}
