import { PlatformList } from '../../common/platform-list.decorator';
import { Type } from 'class-transformer';
import { IsNotEmpty, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { OwnerRefDto } from '../../common/owner-ref.dto';
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

  @ValidateNested()
  @Type(() => OwnerRefDto)
  user: OwnerRefDto;

  @PlatformList(CONTENT_PLATFORMS)
  platforms: ContentPlatform[];
}
