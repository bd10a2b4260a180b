import { Module } from '@nestjs/common';
import { ContentModule } from '../content/content.module';
import { MediaToolsModule } from '../integrations/media/media-tools.module';
import { MediaFiles } from './media-files';
import { PipelineSteps } from './pipeline-steps';
import { TranscriptService } from './transcript.service';
import { VideoProcessingService } from './video-processing.service';

/** The media pipeline's domain services: video processing, transcripts, the steps between. */
@Module({
  imports: [ContentModule, MediaToolsModule],
  providers: [MediaFiles, PipelineSteps, VideoProcessingService, TranscriptService],
  exports: [MediaFiles, PipelineSteps, VideoProcessingService, TranscriptService],
})
export class MediaModule {}
