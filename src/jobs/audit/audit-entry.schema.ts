import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema, Types } from 'mongoose';

/** One admin action: who, what, when, on what, and how it ended. */
@Schema({ collection: 'audit_log', versionKey: false })
export class AuditEntry {
  _id: Types.ObjectId;

  @Prop({ type: String, required: true }) actorId: string;
  @Prop({ type: String, required: true }) actorEmail: string;
  @Prop({ type: String, required: true }) action: string;
  @Prop({ type: MongooseSchema.Types.Mixed, required: true }) target: Record<string, unknown>;
  @Prop({ type: String, required: true }) outcome: string;
  @Prop({ type: Date, required: true }) at: Date;
}

export const AuditEntrySchema = SchemaFactory.createForClass(AuditEntry);
AuditEntrySchema.index({ at: -1 });
