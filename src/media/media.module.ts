import { Module } from '@nestjs/common';
import { ContentModule } from '../content/content.module';
import { MediaToolsModule } from '../integrations/media/media-tools.module';
import { StorageModule } from '../integrations/storage/storage.module';
import { RedisModule } from '../infra/redis/redis.module';
import { MediaFiles } from './media-files';
import { StorageSweep } from './storage-sweep';
import { TranscriptService } from './transcript.service';
import { VideoProcessingService } from './video-processing.service';

/**
 * The media domain services: video processing and transcripts (src/queues/pipeline chains them),
 * the files they keep, and the nightly sweep of files no content names.
 */
@Module({
  imports: [ContentModule, MediaToolsModule, StorageModule, RedisModule],
  providers: [MediaFiles, VideoProcessingService, TranscriptService, StorageSweep],
  exports: [MediaFiles, VideoProcessingService, TranscriptService, StorageSweep],
})
export class MediaModule {}
