import { PlatformList } from '../../content/platform-list.decorator';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsISO8601,
  IsMongoId,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import {
  CONTENT_PLATFORMS,
  POSTING_PLATFORMS,
  type ContentPlatform,
  type PostingPlatform,
} from '../../content/platforms';
import { PostContentDto } from '../../queues/social-posting/post-to-social.payload';
import { FitsPlatforms } from '../../queues/social-posting/fits-platforms.validator';

export class GenerateContentDto {
  @ApiProperty({ maxLength: 50_000 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(50_000)
  text: string;

  @ApiProperty({ enum: CONTENT_PLATFORMS, isArray: true })
  @PlatformList(CONTENT_PLATFORMS)
  platforms: ContentPlatform[];

  @ApiPropertyOptional({ description: 'your content to store the posts on; a new one when absent' })
  @IsOptional()
  @IsMongoId({ message: 'contentId must be a content id' })
  contentId?: string;
}

export class PostContentBody extends PostContentDto {}

export class SubmitPostDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsMongoId({ message: 'contentId must be a content id' })
  contentId?: string;

  @ApiProperty({ enum: POSTING_PLATFORMS, isArray: true })
  @PlatformList(POSTING_PLATFORMS)
  platforms: PostingPlatform[];

  @ApiProperty({ type: PostContentBody })
  @ValidateNested()
  @Type(() => PostContentBody)
  @FitsPlatforms()
  content: PostContentBody;

  @ApiPropertyOptional({
    description: 'ISO 8601 time in the future: the post is scheduled instead of sent now',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'scheduledAt must be an ISO 8601 date-time' })
  scheduledAt?: string;
}

export class SubmitTranscriptDto {
  @ApiProperty()
  @IsMongoId({ message: 'contentId must be a content id' })
  contentId: string;

  @ApiPropertyOptional({
    description: 'http(s) URL of the video; absent: the content\u2019s processed video',
  })
  @IsOptional()
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false },
    { message: 'videoUrl must be an http or https URL' },
  )
  @MaxLength(2048)
  videoUrl?: string;

  @ApiProperty({ example: 'en' })
  @Matches(/^[a-z]{2,3}(-[A-Za-z]{2,4})?$/, {
    message: 'language must be a language code such as en or pt-BR',
  })
  language: string;
}

export class UploadVideoDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  title?: string;
}

export class LinkAccountDto {
  @ApiProperty({ enum: POSTING_PLATFORMS })
  @IsIn(POSTING_PLATFORMS, { message: `platform must be one of ${POSTING_PLATFORMS.join(', ')}` })
  platform: PostingPlatform;

  @ApiProperty({ description: 'the platform OAuth access token; stored encrypted, never returned' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  accessToken: string;

  @ApiPropertyOptional({
    description: 'the account id on the platform (LinkedIn: urn:li:person:…)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  externalId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(100)
  handle?: string;
}
