import { IsNotEmpty, IsOptional, IsString, IsUrl, MaxLength } from 'class-validator';
import { LanguageCode } from '../../common/language-code.decorator';
import { PlatformList } from '../../common/platform-list.decorator';
import { CONTENT_PLATFORMS, type ContentPlatform } from '../../common/platforms';

export class GenerateTranscriptPayload {
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  contentId: string;

  /** Where to fetch the video; absent means the content's processed video. */
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  @MaxLength(2048)
  videoUrl?: string;

  @LanguageCode()
  language: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  userId: string;

  /** The pipeline's next step: posts for these platforms generated from the transcript. */
  @IsOptional()
  @PlatformList(CONTENT_PLATFORMS)
  generatePosts?: ContentPlatform[];
}
