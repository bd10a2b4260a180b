import { registerKernelQueue } from '../kernel/register-kernel-queue';
import { Module } from '@nestjs/common';
import { QueueKernelModule } from '../kernel/queue-kernel.module';
import { TRANSCRIPT_GENERATION_QUEUE } from './transcript-generation.queue';
import { PipelineModule } from '../pipeline/pipeline.module';
import { MediaModule } from '../../media/media.module';
import { TranscriptGenerationProcessor } from './transcript-generation.processor';
import { TranscriptGenerationProducer } from './transcript-generation.producer';

@Module({
  imports: [
    QueueKernelModule,
    registerKernelQueue(TRANSCRIPT_GENERATION_QUEUE.spec.name),
    PipelineModule,
    MediaModule,
  ],
  providers: [TranscriptGenerationProducer, TranscriptGenerationProcessor],
  exports: [TranscriptGenerationProducer],
})
export class TranscriptGenerationModule {}
