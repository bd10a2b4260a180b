import { Processor } from '@nestjs/bullmq';
import { PipelineSteps } from '../pipeline/pipeline-steps';
import { VideoProcessingService } from '../../media/video-processing.service';
import type { FinishedOutcome } from '../contracts/job-context';
import { JobHandlers, KernelProcessor } from '../kernel/kernel-processor';
import { JOB_NAMES } from '../contracts/queue-names';
import { VIDEO_PROCESSING_QUEUE } from './video-processing.queue';

@Processor(VIDEO_PROCESSING_QUEUE.spec.name)
export class VideoProcessingProcessor extends KernelProcessor<typeof VIDEO_PROCESSING_QUEUE> {
  readonly definition = VIDEO_PROCESSING_QUEUE;

  constructor(
    private readonly videos: VideoProcessingService,
    private readonly pipeline: PipelineSteps,
  ) {
    super();
  }

  protected readonly handlers: JobHandlers<typeof VIDEO_PROCESSING_QUEUE> = {
    [JOB_NAMES.PROCESS_VIDEO]: async (payload, context) => {
      await this.pipeline.started(payload.contentId);
      const processed = await this.videos.process(payload, context);
      context.signal.throwIfAborted();
      // The next step is queued as this job's last act (see PipelineSteps).
      const next = await this.pipeline.afterVideo(payload, processed.metadata, context);
      return next ? { ...processed, next } : processed;
    },
  };

  override onFinished(payload: object, outcome: FinishedOutcome): Promise<void> {
    return this.pipeline.stepFinished(this.queueName, payload, outcome);
  }
}
