import { Module } from '@nestjs/common';
import { ContentModule } from '../../content/content.module';
import { ContentGenerationProducer } from '../content-generation/content-generation.producer';
import { QueueKernelModule } from '../kernel/queue-kernel.module';
import { TranscriptGenerationProducer } from '../transcript-generation/transcript-generation.producer';
import { PipelineSteps } from './pipeline-steps';

/** The upload pipeline's steps between queues (video → transcript → content), for their processors. */
@Module({
  imports: [ContentModule, QueueKernelModule],
  // The next steps' producers (stateless) are provided here too: importing their queue modules
  // would make a circle (those modules' processors use the pipeline).
  providers: [PipelineSteps, TranscriptGenerationProducer, ContentGenerationProducer],
  exports: [PipelineSteps],
})
export class PipelineModule {}
