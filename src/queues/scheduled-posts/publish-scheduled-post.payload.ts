import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { SocialPostFields } from '../social-posting/post-to-social.payload';

export class PublishScheduledPostPayload extends SocialPostFields {
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  scheduledPostId: string;
}
