import { Type } from 'class-transformer';
import { IsNotEmpty, IsString, MaxLength, ValidateNested } from 'class-validator';
import { OwnerRefDto } from '../../common/owner-ref.dto';

export class ProcessVideoPayload {
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  contentId: string;

  /** A file inside the upload folder (checked by the worker). */
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  videoPath: string;

  @ValidateNested()
  @Type(() => OwnerRefDto)
  user: OwnerRefDto;
}
