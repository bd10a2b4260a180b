import { PlatformList } from '../../common/platform-list.decorator';
import { Type } from 'class-transformer';
import {
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { POSTING_PLATFORMS, PostingPlatform } from '../../common/platforms';
import { FitsPlatforms } from './fits-platforms.validator';

export class PostContentDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(3000)
  text: string;

  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true })
  @MaxLength(2048)
  imageUrl?: string;
}

/** What to publish, where, for whom. Shared by social-posting and scheduled-posts payloads. */
export class SocialPostFields {
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  userId: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  contentId?: string;

  @PlatformList(POSTING_PLATFORMS)
  platforms: PostingPlatform[];

  @ValidateNested()
  @Type(() => PostContentDto)
  @FitsPlatforms()
  content: PostContentDto;
}

export class PostToSocialPayload extends SocialPostFields {
  /** Set when a scheduled post handed this job off; the scheduled post follows its outcome. */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  scheduledPostId?: string;
}
