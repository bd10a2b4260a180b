import { Processor } from '@nestjs/bullmq';
import { ContentGenerationService } from '../../content/content-generation.service';
import { PipelineSteps } from '../pipeline/pipeline-steps';
import type { FinishedOutcome } from '../contracts/job-context';
import { JobHandlers, KernelProcessor } from '../kernel/kernel-processor';
import { JOB_NAMES } from '../contracts/queue-names';
import { CONTENT_GENERATION_QUEUE } from './content-generation.queue';

@Processor(CONTENT_GENERATION_QUEUE.spec.name)
export class ContentGenerationProcessor extends KernelProcessor<typeof CONTENT_GENERATION_QUEUE> {
  readonly definition = CONTENT_GENERATION_QUEUE;

  constructor(
    private readonly generation: ContentGenerationService,
    private readonly pipeline: PipelineSteps,
  ) {
    super();
  }

  protected readonly handlers: JobHandlers<typeof CONTENT_GENERATION_QUEUE> = {
    [JOB_NAMES.GENERATE_CONTENT]: (payload, context) => this.generation.generate(payload, context),
  };

  override onFinished(payload: object, outcome: FinishedOutcome): Promise<void> {
    return this.pipeline.stepFinished(this.queueName, payload, outcome);
  }
}
