import { Module } from '@nestjs/common';
import { ContentModule } from '../content/content.module';
import { MediaToolsModule } from '../integrations/media/media-tools.module';
import { MediaFiles } from './media-files';
import { TranscriptService } from './transcript.service';
import { VideoProcessingService } from './video-processing.service';

/** The media domain services: video processing and transcripts (src/queues/pipeline chains them). */
@Module({
  imports: [ContentModule, MediaToolsModule],
  providers: [MediaFiles, VideoProcessingService, TranscriptService],
  exports: [MediaFiles, VideoProcessingService, TranscriptService],
})
export class MediaModule {}
