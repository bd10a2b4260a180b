import { Module } from '@nestjs/common';
import { QueueKernelModule } from '../kernel/queue-kernel.module';
import { PipelineModule } from '../pipeline/pipeline.module';
import { MediaModule } from '../../media/media.module';
import { TranscriptGenerationProcessor } from './transcript-generation.processor';
import { TranscriptGenerationProducer } from './transcript-generation.producer';

@Module({
  imports: [QueueKernelModule, PipelineModule, MediaModule],
  providers: [TranscriptGenerationProducer, TranscriptGenerationProcessor],
  exports: [TranscriptGenerationProducer],
})
export class TranscriptGenerationModule {}
