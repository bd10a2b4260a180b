import { PlatformList } from '../../common/platform-list.decorator';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { LanguageCode } from '../../common/language-code.decorator';
import {
  IsIn,
  IsISO8601,
  IsMongoId,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import {
  CONTENT_PLATFORMS,
  POSTING_PLATFORMS,
  type ContentPlatform,
  type PostingPlatform,
} from '../../common/platforms';
import { FitsPlatforms, PostContentDto } from '../../queues';

/** What every submission may add: a time after which its job is not started. */
export class StartDeadlineDto {
  @ApiPropertyOptional({
    description:
      'ISO 8601 date-time after the job is due: not started by then (queue paused, a backlog, a provider\u2019s open breaker), it is not run and ends `expired`',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'deadline must be an ISO 8601 date-time' })
  deadline?: string;
}

/** The kernel's option for a submission's deadline. */
export function deadlineOption(dto: StartDeadlineDto): { deadline?: Date } {
  return dto.deadline === undefined ? {} : { deadline: new Date(dto.deadline) };
}

export class GenerateContentDto extends StartDeadlineDto {
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

export class SubmitPostDto extends StartDeadlineDto {
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

export class SubmitTranscriptDto extends StartDeadlineDto {
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
  @LanguageCode()
  language: string;

  @ApiPropertyOptional({
    enum: CONTENT_PLATFORMS,
    isArray: true,
    description: 'then generate posts for these platforms from the transcript',
  })
  @IsOptional()
  @PlatformList(CONTENT_PLATFORMS)
  generatePosts?: ContentPlatform[];
}

/** Multipart fields arrive as strings: "twitter,linkedin" (or repeated fields) becomes a list. */
const splitList = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.split(',').map((v) => v.trim()) : value;

export class UploadVideoDto extends StartDeadlineDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  title?: string;

  @ApiPropertyOptional({
    description: 'instead of a file: a video already in the upload folder (path inside it)',
    maxLength: 1024,
  })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  videoPath?: string;

  @ApiPropertyOptional({ example: 'en', description: 'language spoken in the video (default en)' })
  @IsOptional()
  @LanguageCode()
  language?: string;

  @ApiPropertyOptional({
    description: `platforms to generate posts for from the transcript, comma-separated (default: all: ${CONTENT_PLATFORMS.join(',')})`,
    example: 'twitter,linkedin',
  })
  @IsOptional()
  @Transform(splitList)
  @PlatformList(CONTENT_PLATFORMS)
  platforms?: ContentPlatform[];
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
