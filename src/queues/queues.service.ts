import { Injectable } from '@nestjs/common';
import { ContentGenerationProducer } from './content-generation/content-generation.producer';
import type { GenerateContentPayload } from './content-generation/generate-content.payload';
import { EmailSendingProducer } from './email-sending/email-sending.producer';
import type { SendEmailPayload } from './email-sending/send-email.payload';
import { JobPayloadError } from './contracts/job-errors';
import type { OwnedInput } from './contracts/owner';
import { AcceptedJob, AddJobOptions, JobKernel, JobStatus } from './kernel/job-kernel.service';
import { CancelOutcome, JobControl } from './kernel/job-control';
import { QueueCounts, QueueOperations } from './kernel/queue-operations';
import { JobNameOf, PayloadOf } from './job-registry';
import type { BuiltInQueueName, QueueName } from './contracts/queue-names';
import { ScheduledPostsProducer } from './scheduled-posts/scheduled-posts.producer';
import type {
  PostToSocialPayload,
  SocialPostFields,
} from './social-posting/post-to-social.payload';
import { SocialPostingProducer } from './social-posting/social-posting.producer';
import type { GenerateTranscriptPayload } from './transcript-generation/generate-transcript.payload';
import { TranscriptGenerationProducer } from './transcript-generation/transcript-generation.producer';
import type { ProcessVideoPayload } from './video-processing/process-video.payload';
import { VideoProcessingProducer } from './video-processing/video-processing.producer';

/**
 * The seed guide's job queue helpers, by their seed names. Adding validates the payload before
 * anything is written; an invalid one throws JobPayloadError (HTTP 400).
 */
@Injectable()
export class QueuesService {
  constructor(
    private readonly kernel: JobKernel,
    private readonly control: JobControl,
    private readonly operations: QueueOperations,
    private readonly video: VideoProcessingProducer,
    private readonly contentGeneration: ContentGenerationProducer,
    private readonly email: EmailSendingProducer,
    private readonly transcripts: TranscriptGenerationProducer,
    private readonly socialPosting: SocialPostingProducer,
    private readonly scheduledPostsProducer: ScheduledPostsProducer,
  ) {}

  addVideoProcessingJob(
    data: OwnedInput<ProcessVideoPayload>,
    options?: AddJobOptions,
  ): Promise<AcceptedJob> {
    return this.video.process(data, options);
  }

  addContentGenerationJob(
    data: OwnedInput<GenerateContentPayload>,
    options?: AddJobOptions,
  ): Promise<AcceptedJob> {
    return this.contentGeneration.generate(data, options);
  }

  addEmailJob(data: SendEmailPayload, options?: AddJobOptions): Promise<AcceptedJob> {
    return this.email.send(data, options);
  }

  addTranscriptJob(data: GenerateTranscriptPayload, options?: AddJobOptions): Promise<AcceptedJob> {
    return this.transcripts.generate(data, options);
  }

  addSocialPostJob(data: PostToSocialPayload, options?: AddJobOptions): Promise<AcceptedJob> {
    return this.socialPosting.post(data, options);
  }

  /** Stores a scheduled post and its delayed job; when due it hands off to social-posting. */
  addScheduledPostJob(
    data: SocialPostFields,
    date: Date,
    options?: Pick<AddJobOptions, 'deadline'>,
  ): Promise<AcceptedJob> {
    return this.scheduledPostsProducer.schedule(data, date, options);
  }

  /** A job on a built-in queue, its payload typed by the queue's definition. */
  addJob<Q extends BuiltInQueueName, N extends JobNameOf<Q>>(
    queueName: Q,
    job: { name: N; data: OwnedInput<PayloadOf<Q, N>> },
    options?: AddJobOptions,
  ): Promise<AcceptedJob>;
  /** A job on a queue added to the app beyond the built-in six (validated at run time). */
  addJob<Q extends string>(
    queueName: Q extends BuiltInQueueName ? never : Q,
    job: { name: string; data: object },
    options?: AddJobOptions,
  ): Promise<AcceptedJob>;
  addJob(
    queueName: string,
    job: { name: string; data: unknown },
    options?: AddJobOptions,
  ): Promise<AcceptedJob> {
    return this.kernel.add(queueName, job.name, job.data as object, options);
  }

  /** A one-time job that runs at `date` (in the future). */
  scheduleJob<Q extends BuiltInQueueName, N extends JobNameOf<Q>>(
    queueName: Q,
    job: { name: N; data: OwnedInput<PayloadOf<Q, N>> },
    date: Date,
  ): Promise<AcceptedJob> {
    if (!(date instanceof Date)) throw new JobPayloadError(['date must be a valid date']);
    return this.kernel.add(queueName, job.name, job.data as object, { runAt: date });
  }

  getJobStatus(queueName: string, jobId: string): Promise<JobStatus> {
    return this.kernel.getStatus(queueName, jobId);
  }

  getQueueStats(queueName: string): Promise<QueueCounts> {
    return this.operations.counts(queueName);
  }

  getAllQueueStats(): Promise<Record<QueueName, QueueCounts>> {
    return this.operations.allCounts();
  }

  cleanAllQueues(): Promise<Record<QueueName, { completed: number; failed: number }>> {
    return this.operations.clean();
  }

  /** Its queue's after-finish step runs however the job ends (see JobEndHooks). */
  cancelJob(queueName: string, jobId: string, reason?: string): Promise<CancelOutcome> {
    return this.control.cancel(queueName, jobId, reason);
  }

  retryJob(queueName: string, jobId: string): Promise<AcceptedJob> {
    return this.control.retry(queueName, jobId);
  }
}
