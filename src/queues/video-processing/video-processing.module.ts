import { registerKernelQueue } from '../kernel/register-kernel-queue';
import { Module } from '@nestjs/common';
import { QueueKernelModule } from '../kernel/queue-kernel.module';
import { VIDEO_PROCESSING_QUEUE } from './video-processing.queue';
import { PipelineModule } from '../pipeline/pipeline.module';
import { MediaModule } from '../../media/media.module';
import { VideoProcessingProcessor } from './video-processing.processor';
import { VideoProcessingProducer } from './video-processing.producer';

@Module({
  imports: [
    QueueKernelModule,
    registerKernelQueue(VIDEO_PROCESSING_QUEUE.spec.name),
    PipelineModule,
    MediaModule,
  ],
  providers: [VideoProcessingProducer, VideoProcessingProcessor],
  exports: [VideoProcessingProducer],
})
export class VideoProcessingModule {}
