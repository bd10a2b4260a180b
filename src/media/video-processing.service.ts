import path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config';
import { ContentService } from '../content/content.service';
import {
  MEDIA_TOOLS,
  type MediaTools,
  UnreadableMediaError,
  type VideoMetadata,
} from '../integrations/media/media-tools';
import { permanentWhen } from '../queues/contracts/job-errors';
import type { JobContext } from '../queues/contracts/job-context';
import type { ProcessVideoPayload } from '../queues/video-processing/process-video.payload';
import { MediaFiles } from './media-files';
import { UnsafeUploadPathError } from './upload-path';

export interface ProcessedVideo {
  contentId: string;
  metadata: VideoMetadata;
  thumbnail: string;
  rendition: { file: string; height: number };
  next?: { transcriptJobId: string };
}

/** Progress: probe 5 %, thumbnail 10 %, the transcode fills 10–95 %, publishing 100 %. */
const TRANSCODE_FROM = 10;
const TRANSCODE_TO = 95;

/**
 * An uploaded video → metadata, a JPEG thumbnail and an H.264/AAC MP4 rendition, stored on the
 * content; then the pipeline's transcript step, if one was asked for and the video has sound.
 */
@Injectable()
export class VideoProcessingService {
  private readonly renditionHeight: number;

  constructor(
    @Inject(MEDIA_TOOLS) private readonly tools: MediaTools,
    private readonly files: MediaFiles,
    private readonly contents: ContentService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.renditionHeight = config.get('media', { infer: true }).renditionHeight;
  }

  async process(payload: ProcessVideoPayload, context: JobContext): Promise<ProcessedVideo> {
    const { signal } = context;
    const processed = await this.files.withScratch(context.jobId, async (scratch) => {
      const source = await this.files
        .fetchUpload(payload.videoPath, scratch, signal)
        .catch(permanentWhen(UnsafeUploadPathError));
      const metadata = await this.tools
        .probe(source, signal)
        .catch(permanentWhen(UnreadableMediaError));
      await context.progress(5);
      const thumbnailFile = path.join(scratch, 'thumbnail.jpg');
      const at = Math.min(1, metadata.durationSeconds / 2);
      await this.tools.thumbnail(source, thumbnailFile, at, signal);
      await context.progress(TRANSCODE_FROM);
      // As the scale filter does: even, and never above the source.
      const height = Math.floor(Math.min(this.renditionHeight, metadata.height) / 2) * 2;
      const renditionFile = path.join(scratch, 'rendition.mp4');
      let reported = TRANSCODE_FROM;
      await this.tools.transcode(
        source,
        renditionFile,
        { height: this.renditionHeight, durationSeconds: metadata.durationSeconds },
        (fraction) => {
          const value = Math.floor(TRANSCODE_FROM + fraction * (TRANSCODE_TO - TRANSCODE_FROM));
          // Whole percents only: ffmpeg reports twice a second, the job need not be written more.
          if (value > reported) void context.progress((reported = value)).catch(() => undefined);
        },
        signal,
      );
      return {
        contentId: payload.contentId,
        metadata,
        thumbnail: await this.files.publish(
          thumbnailFile,
          payload.contentId,
          'thumbnail.jpg',
          signal,
        ),
        rendition: {
          file: await this.files.publish(
            renditionFile,
            payload.contentId,
            `rendition-${height}p.mp4`,
            signal,
          ),
          height,
        },
      };
    });
    // Cancelled while publishing: the job has ended, so neither its results nor a next step count.
    signal.throwIfAborted();
    await this.contents.saveMedia(payload.contentId, 'video', {
      ...processed.metadata,
      thumbnail: processed.thumbnail,
      rendition: processed.rendition,
      processedAt: new Date(),
    });
    await context.progress(100);
    return processed;
  }
}
