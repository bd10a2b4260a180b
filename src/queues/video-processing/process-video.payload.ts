import { Type } from 'class-transformer';
import { IsNotEmpty, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { LanguageCode } from '../../common/language-code.decorator';
import { PlatformList } from '../../common/platform-list.decorator';
import { CONTENT_PLATFORMS, type ContentPlatform } from '../../common/platforms';

/** After processing: a transcript in `language`, then posts for `platforms` from it. */
export class VideoPipelineOptions {
  @LanguageCode()
  language: string;

  @PlatformList(CONTENT_PLATFORMS)
  platforms: ContentPlatform[];
}

export class ProcessVideoPayload {
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  contentId: string;

  /** A file inside the upload folder, as a path relative to it (checked again by the worker). */
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  videoPath: string;

  /** The owner (the seed's `user: { _id }` is accepted too: see contracts/owner). */
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  userId: string;

  /** Absent: only the video is processed. */
  @IsOptional()
  @ValidateNested()
  @Type(() => VideoPipelineOptions)
  pipeline?: VideoPipelineOptions;
}
