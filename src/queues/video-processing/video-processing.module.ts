import { Module } from '@nestjs/common';
import { QueueKernelModule } from '../kernel/queue-kernel.module';
import { PipelineModule } from '../pipeline/pipeline.module';
import { MediaModule } from '../../media/media.module';
import { VideoProcessingProcessor } from './video-processing.processor';
import { VideoProcessingProducer } from './video-processing.producer';

@Module({
  imports: [QueueKernelModule, PipelineModule, MediaModule],
  providers: [VideoProcessingProducer, VideoProcessingProcessor],
  exports: [VideoProcessingProducer],
})
export class VideoProcessingModule {}
