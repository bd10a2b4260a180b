import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { POSTING_PLATFORMS, type PostingPlatform } from '../common/platforms';

/**
 * A user's link to a platform: the access token (encrypted) and the account it posts as. Keyed by
 * owner and platform, so every read is an `_id` lookup (FerretDB scans for any other filter).
 */
@Schema({ collection: 'social_accounts', versionKey: false, timestamps: true })
export class SocialAccount {
  /** `${ownerId}:${platform}` (documents of earlier versions had ObjectIds: see the migration). */
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: String, required: true })
  ownerId: string;

  @Prop({ type: String, required: true, enum: POSTING_PLATFORMS })
  platform: PostingPlatform;

  /** TokenCipher output; never returned by the API. */
  @Prop({ type: String, required: true })
  tokenCiphertext: string;

  /** The last characters of the token, to tell tokens apart in listings. */
  @Prop({ type: String, required: true })
  tokenHint: string;

  /** The platform's id for the account (LinkedIn posts need the author URN). */
  @Prop({ type: String })
  externalId?: string;

  @Prop({ type: String })
  handle?: string;

  createdAt: Date;
  updatedAt: Date;
}

export const SocialAccountSchema = SchemaFactory.createForClass(SocialAccount);
// The _id already makes the pair unique; the index serves the same question on a real MongoDB.
SocialAccountSchema.index({ ownerId: 1, platform: 1 }, { unique: true });

export function socialAccountId(ownerId: string, platform: PostingPlatform): string {
  return `${ownerId}:${platform}`;
}
