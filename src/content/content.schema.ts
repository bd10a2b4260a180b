import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { HydratedDocument, Schema as MongooseSchema, Types } from 'mongoose';
import type { ContentPlatform, PostingPlatform } from '../common/platforms';

export const CONTENT_STATUSES = ['draft', 'processing', 'ready', 'failed'] as const;
export type ContentStatus = (typeof CONTENT_STATUSES)[number];

export interface GeneratedPost {
  platform: ContentPlatform;
  text: string;
  hashtags: string[];
  generator: string;
  generatedAt: Date;
}

export interface PublishedPost {
  platform: PostingPlatform;
  postId: string;
  url?: string;
  jobId: string;
  publishedAt: Date;
}

/** One piece of content and what each pipeline stage produced for it. */
@Schema({ collection: 'contents', versionKey: false, minimize: false, timestamps: true })
export class Content {
  _id: Types.ObjectId;

  @Prop({ type: String, required: true, index: true })
  ownerId: string;

  @Prop({ type: String })
  title?: string;

  /** Text the posts are generated from (typed in, or a transcript). */
  @Prop({ type: String })
  sourceText?: string;

  @Prop({ type: String, enum: CONTENT_STATUSES, default: 'draft' })
  status: ContentStatus;

  @Prop({ type: String })
  failureReason?: string;

  /** Per platform, the latest generated post. */
  @Prop({ type: MongooseSchema.Types.Mixed, default: {} })
  posts: Partial<Record<ContentPlatform, GeneratedPost>>;

  /** Per platform, the post that went out. */
  @Prop({ type: MongooseSchema.Types.Mixed, default: {} })
  published: Partial<Record<PostingPlatform, PublishedPost>>;

  /** Results of the media stages (video metadata, thumbnail, transcript), filled by their workers. */
  @Prop({ type: MongooseSchema.Types.Mixed, default: {} })
  media: Record<string, unknown>;

  createdAt: Date;
  updatedAt: Date;
}

export type ContentDocument = HydratedDocument<Content>;
export const ContentSchema = SchemaFactory.createForClass(Content);
ContentSchema.index({ ownerId: 1, createdAt: -1 });
