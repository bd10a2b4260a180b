import { Processor } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { PipelineSteps } from '../../media/pipeline-steps';
import { VideoProcessingService } from '../../media/video-processing.service';
import { FinishedOutcome, JobHandlers, KernelProcessor } from '../kernel/kernel-processor';
import { workerOptionsSlot } from '../kernel/worker-options';
import { JOB_NAMES, QUEUE_NAMES } from '../queue-names';
import type { ProcessVideoPayload } from './process-video.payload';

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
    [JOB_NAMES.PROCESS_VIDEO]: (payload, context) => this.videos.process(payload, context),
  };

  override onFinished(job: Job, outcome: FinishedOutcome): Promise<void> {
    return this.pipeline.stepFinished(this.queueName, job.data as ProcessVideoPayload, outcome);
  }
}
