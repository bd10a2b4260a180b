import { IsNotEmpty, IsOptional, IsString, IsUrl, Matches, MaxLength } from 'class-validator';

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

  @Matches(/^[a-z]{2,3}(-[A-Za-z]{2,4})?$/, {
    message: 'language must be a language code such as en or pt-BR',
  })
  language: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  userId: string;
}
