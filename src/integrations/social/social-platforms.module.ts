import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../../config/app-config';
import { LinkedInClient } from './linkedin.client';
import { SOCIAL_PLATFORM_CLIENTS, SocialPlatformClient } from './social-platform-client';
import { TwitterClient } from './twitter.client';

@Module({
  providers: [
    {
      provide: SOCIAL_PLATFORM_CLIENTS,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>): SocialPlatformClient[] => {
        const social = config.get('social', { infer: true });
        return [new TwitterClient(social), new LinkedInClient(social)];
      },
    },
  ],
  exports: [SOCIAL_PLATFORM_CLIENTS],
})
export class SocialPlatformsModule {}
