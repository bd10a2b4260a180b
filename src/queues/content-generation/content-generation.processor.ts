import { Processor } from '@nestjs/bullmq';
import { ContentGenerationService } from '../../content/content-generation.service';
import { PipelineSteps } from '../pipeline/pipeline-steps';
import type { FinishedOutcome } from '../contracts/job-context';
import { JobHandlers, KernelProcessor } from '../kernel/kernel-processor';
import { workerOptionsSlot } from '../kernel/worker-options';
import { JOB_NAMES, QUEUE_NAMES } from '../contracts/queue-names';

@Processor(QUEUE_NAMES.CONTENT_GENERATION, workerOptionsSlot(QUEUE_NAMES.CONTENT_GENERATION))
export class ContentGenerationProcessor extends KernelProcessor<
  typeof QUEUE_NAMES.CONTENT_GENERATION
> {
  readonly queueName = QUEUE_NAMES.CONTENT_GENERATION;

  constructor(
    private readonly generation: ContentGenerationService,
    private readonly pipeline: PipelineSteps,
  ) {
    super();
  }

  protected readonly handlers: JobHandlers<typeof QUEUE_NAMES.CONTENT_GENERATION> = {
    [JOB_NAMES.GENERATE_CONTENT]: (payload, context) => this.generation.generate(payload, context),
  };

  override onFinished(payload: object, outcome: FinishedOutcome): Promise<void> {
    return this.pipeline.stepFinished(this.queueName, payload, outcome);
  }
}
