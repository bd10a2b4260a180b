import { Processor } from '@nestjs/bullmq';
import { PipelineSteps } from '../pipeline/pipeline-steps';
import { VideoProcessingService } from '../../media/video-processing.service';
import type { FinishedOutcome } from '../contracts/job-context';
import { JobHandlers, KernelProcessor } from '../kernel/kernel-processor';
import { workerOptionsSlot } from '../kernel/worker-options';
import { JOB_NAMES, QUEUE_NAMES } from '../contracts/queue-names';

@Processor(QUEUE_NAMES.VIDEO_PROCESSING, workerOptionsSlot(QUEUE_NAMES.VIDEO_PROCESSING))
export class VideoProcessingProcessor extends KernelProcessor<typeof QUEUE_NAMES.VIDEO_PROCESSING> {
  readonly queueName = QUEUE_NAMES.VIDEO_PROCESSING;

  constructor(
    private readonly videos: VideoProcessingService,
    private readonly pipeline: PipelineSteps,
  ) {
    super();
  }

  protected readonly handlers: JobHandlers<typeof QUEUE_NAMES.VIDEO_PROCESSING> = {
    [JOB_NAMES.PROCESS_VIDEO]: async (payload, context) => {
      await this.pipeline.started(payload.contentId);
      const processed = await this.videos.process(payload, context);
      context.signal.throwIfAborted();
      // The next step is queued as this job's last act (see PipelineSteps).
      const next = await this.pipeline.afterVideo(payload, processed.metadata, context.jobId);
      return next ? { ...processed, next } : processed;
    },
  };

  override onFinished(payload: object, outcome: FinishedOutcome): Promise<void> {
    return this.pipeline.stepFinished(this.queueName, payload, outcome);
  }
}
