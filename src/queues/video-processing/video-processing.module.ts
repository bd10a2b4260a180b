import { Module } from '@nestjs/common';
import { PipelineModule } from '../pipeline/pipeline.module';
import { MediaModule } from '../../media/media.module';
import { VideoProcessingProcessor } from './video-processing.processor';
import { VideoProcessingProducer } from './video-processing.producer';

@Module({
  imports: [PipelineModule, MediaModule],
  providers: [VideoProcessingProducer, VideoProcessingProcessor],
  exports: [VideoProcessingProducer],
})
export class VideoProcessingModule {}
