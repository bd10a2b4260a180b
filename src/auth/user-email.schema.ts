import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * Login's way from an email to its user by `_id` alone (FerretDB uses no other index): one
 * document per address, keyed by the address lower-cased and trimmed. Inserted before its user,
 * so the unique `_id` is what refuses a second account for the same address.
 */
@Schema({ collection: 'user_emails', versionKey: false })
export class UserEmail {
  /** The email, lower-cased and trimmed. */
  @Prop({ type: String, required: true })
  _id: string;

  /** The user's ObjectId as hex. */
  @Prop({ type: String, required: true })
  userId: string;

  /** When the address was claimed: a claim whose user never appeared may be taken over later. */
  @Prop({ type: Date })
  createdAt?: Date;
}

export const UserEmailSchema = SchemaFactory.createForClass(UserEmail);

export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}
