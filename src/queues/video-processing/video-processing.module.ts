import { Module } from '@nestjs/common';
import { VideoProcessingProducer } from './video-processing.producer';

@Module({
  providers: [VideoProcessingProducer],
  exports: [VideoProcessingProducer],
})
export class VideoProcessingModule {}
