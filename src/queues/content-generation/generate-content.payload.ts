import { PlatformList } from '../../common/platform-list.decorator';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { CONTENT_PLATFORMS, ContentPlatform } from '../../common/platforms';

export class GenerateContentPayload {
  /** The content document the posts are stored on; the producer creates one when absent. */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  contentId?: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(50_000)
  text: string;

  /** The owner (the seed's `user: { _id }` is accepted too: see contracts/owner). */
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  userId: string;

  @PlatformList(CONTENT_PLATFORMS)
  platforms: ContentPlatform[];
}
