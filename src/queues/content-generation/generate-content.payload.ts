import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { OwnerRefDto } from '../../common/owner-ref.dto';
import { CONTENT_PLATFORMS, ContentPlatform } from '../../content/platforms';

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

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(CONTENT_PLATFORMS.length)
  @ArrayUnique()
  @IsIn(CONTENT_PLATFORMS, {
    each: true,
    message: `platforms must each be one of ${CONTENT_PLATFORMS.join(', ')}`,
  })
  platforms: ContentPlatform[];
}
