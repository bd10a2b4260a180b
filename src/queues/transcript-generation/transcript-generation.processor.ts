import { Processor } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { PipelineSteps } from '../../media/pipeline-steps';
import { TranscriptService } from '../../media/transcript.service';
import { FinishedOutcome, JobHandlers, KernelProcessor } from '../kernel/kernel-processor';
import { workerOptionsSlot } from '../kernel/worker-options';
import { JOB_NAMES, QUEUE_NAMES } from '../queue-names';
import type { GenerateTranscriptPayload } from './generate-transcript.payload';

@Processor(QUEUE_NAMES.TRANSCRIPT_GENERATION, workerOptionsSlot(QUEUE_NAMES.TRANSCRIPT_GENERATION))
export class TranscriptGenerationProcessor extends KernelProcessor<
  typeof QUEUE_NAMES.TRANSCRIPT_GENERATION
> {
  readonly queueName = QUEUE_NAMES.TRANSCRIPT_GENERATION;

  constructor(
    private readonly transcripts: TranscriptService,
    private readonly pipeline: PipelineSteps,
  ) {
    super();
  }

  protected readonly handlers: JobHandlers<typeof QUEUE_NAMES.TRANSCRIPT_GENERATION> = {
    [JOB_NAMES.GENERATE_TRANSCRIPT]: (payload, context) =>
      this.transcripts.generate(payload, context),
  };

  override onFinished(job: Job, outcome: FinishedOutcome): Promise<void> {
    return this.pipeline.stepFinished(
      this.queueName,
      job.data as GenerateTranscriptPayload,
      outcome,
    );
  }
}
