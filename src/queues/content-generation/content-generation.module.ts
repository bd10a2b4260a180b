import { registerKernelQueue } from '../kernel/register-kernel-queue';
import { Module } from '@nestjs/common';
import { QueueKernelModule } from '../kernel/queue-kernel.module';
import { CONTENT_GENERATION_QUEUE } from './content-generation.queue';
import { PipelineModule } from '../pipeline/pipeline.module';
import { ContentModule } from '../../content/content.module';
import { MediaModule } from '../../media/media.module';
import { ContentGenerationProcessor } from './content-generation.processor';
import { ContentGenerationProducer } from './content-generation.producer';

@Module({
  imports: [
    QueueKernelModule,
    registerKernelQueue(CONTENT_GENERATION_QUEUE.spec.name),
    PipelineModule,
    ContentModule,
    MediaModule,
  ],
  providers: [ContentGenerationProducer, ContentGenerationProcessor],
  exports: [ContentGenerationProducer],
})
export class ContentGenerationModule {}
