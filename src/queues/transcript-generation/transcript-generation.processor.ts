import { Processor } from '@nestjs/bullmq';
import { PipelineSteps } from '../pipeline/pipeline-steps';
import { TranscriptService } from '../../media/transcript.service';
import type { FinishedOutcome } from '../contracts/job-context';
import { JobHandlers, KernelProcessor } from '../kernel/kernel-processor';
import { JOB_NAMES } from '../contracts/queue-names';
import { TRANSCRIPT_GENERATION_QUEUE } from './transcript-generation.queue';

@Processor(TRANSCRIPT_GENERATION_QUEUE.spec.name)
export class TranscriptGenerationProcessor extends KernelProcessor<
  typeof TRANSCRIPT_GENERATION_QUEUE
> {
  readonly definition = TRANSCRIPT_GENERATION_QUEUE;

  constructor(
    private readonly transcripts: TranscriptService,
    private readonly pipeline: PipelineSteps,
  ) {
    super();
  }

  protected readonly handlers: JobHandlers<typeof TRANSCRIPT_GENERATION_QUEUE> = {
    [JOB_NAMES.GENERATE_TRANSCRIPT]: async (payload, context) => {
      await this.pipeline.started(payload.contentId);
      const { result, text } = await this.transcripts.generate(payload, context);
      context.signal.throwIfAborted();
      // The next step is queued as this job's last act (see PipelineSteps).
      const next = await this.pipeline.afterTranscript(payload, text, context);
      return next ? { ...result, next } : result;
    },
  };

  override onFinished(payload: object, outcome: FinishedOutcome): Promise<void> {
    return this.pipeline.stepFinished(this.queueName, payload, outcome);
  }
}
