import type { JobProgress } from 'bullmq';
import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { HydratedDocument, Schema as MongooseSchema } from 'mongoose';
import type { QueueName } from '../contracts/queue-names';

/**
 * What users see of a job. `waiting` also covers BullMQ's `prioritized` and `waiting-children`;
 * `cancelled` is a job removed or stopped on request; `expired` one not started by its deadline.
 */
export const JOB_STATES = [
  'waiting',
  'delayed',
  'active',
  'completed',
  'failed',
  'cancelled',
  'expired',
] as const;
export type JobState = (typeof JOB_STATES)[number];
export const FINISHED_STATES: readonly JobState[] = ['completed', 'failed', 'cancelled', 'expired'];
export const UNFINISHED_STATES: readonly JobState[] = ['waiting', 'delayed', 'active'];

export const SYSTEM_OWNER = 'system';

@Schema({ collection: 'job_records', versionKey: false, minimize: false })
export class JobRecord {
  /** The BullMQ job id; unique across every queue. */
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: String, required: true })
  queue: QueueName;

  @Prop({ type: String, required: true })
  name: string;

  @Prop({ type: String, required: true })
  ownerId: string;

  @Prop({ type: String })
  contentId?: string;

  @Prop({ type: String, required: true, enum: JOB_STATES })
  state: JobState;

  /** 0–100, or whatever object the processor reported. */
  @Prop({ type: MongooseSchema.Types.Mixed, default: 0 })
  progress: JobProgress;

  @Prop({ type: Number, default: 0 })
  attemptsMade: number;

  @Prop({ type: Number, required: true })
  maxAttempts: number;

  /** JOB_PRIORITY value (10, 5, 0, -5). */
  @Prop({ type: Number, required: true })
  priority: number;

  /** The validated payload, kept so the job can be queued again (reconciliation, retry). */
  @Prop({ type: MongooseSchema.Types.Mixed, required: true })
  data: Record<string, unknown>;

  /** When a delayed job is due. */
  @Prop({ type: Date })
  runAt?: Date;

  /** Not started by then: not run, ends `expired`. */
  @Prop({ type: Date })
  deadline?: Date;

  /** The run timeout the job asked for (else its queue's). */
  @Prop({ type: Number })
  timeoutMs?: number;

  @Prop({ type: MongooseSchema.Types.Mixed })
  result?: unknown;

  @Prop({ type: String })
  failedReason?: string;

  @Prop({ type: Date })
  cancelRequestedAt?: Date;

  @Prop({ type: Date, required: true })
  createdAt: Date;

  @Prop({ type: Date, required: true })
  updatedAt: Date;

  @Prop({ type: Date })
  startedAt?: Date;

  @Prop({ type: Date })
  finishedAt?: Date;

  /** Written by versions before the Redis job index; no longer read. */
  @Prop({ type: Date })
  checkedAt?: Date;

  /** After this the record is pruned (finish + Redis retention + JOB_RECORD_RETENTION_DAYS). */
  @Prop({ type: Date })
  purgeAfter?: Date;
}

export type JobRecordDocument = HydratedDocument<JobRecord>;

export const JobRecordSchema = SchemaFactory.createForClass(JobRecord);
// Every question a request or a per-minute task asks is answered by `_id` or by a Redis index
// (JobIndex); the only other query is the nightly prune.
JobRecordSchema.index({ purgeAfter: 1 });
