import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config';
import type { MediaConfig } from '../config/media-config';
import { ContentService } from '../content/content.service';
import {
  MEDIA_TOOLS,
  type MediaTools,
  UnreadableMediaError,
} from '../integrations/media/media-tools';
import { DownloadRefusedError, downloadToFile } from '../integrations/media/safe-download';
import { toSrt, toWebVtt } from '../integrations/speech/captions';
import { ObjectNotFoundError } from '../integrations/storage/object-storage';
import { SPEECH_ENGINES, type SpeechEngine } from '../integrations/speech/speech-engine';
import { PermanentJobError, permanentWhen } from '../queues/contracts/job-errors';
import { asJobFailure } from '../queues/contracts/provider-failure';
import type { JobContext } from '../queues/contracts/job-context';
import type { GenerateTranscriptPayload } from '../queues/transcript-generation/generate-transcript.payload';
import { MediaFiles } from './media-files';

export interface TranscriptResult {
  contentId: string;
  language: string;
  engine: string;
  words: number;
  segments: number;
  files: { vtt: string; srt: string };
  next?: { contentJobId: string };
}

/**
 * A video (the content's processed rendition, or a `videoUrl`) → 16 kHz mono audio → the first
 * speech engine that serves the language → text, timed segments, WebVTT and SRT on the content.
 */
@Injectable()
export class TranscriptService {
  private readonly download: MediaConfig['download'];

  constructor(
    @Inject(MEDIA_TOOLS) private readonly tools: MediaTools,
    @Inject(SPEECH_ENGINES) private readonly engines: SpeechEngine[],
    private readonly files: MediaFiles,
    private readonly contents: ContentService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.download = config.get('media', { infer: true }).download;
  }

  async generate(
    payload: GenerateTranscriptPayload,
    context: JobContext,
  ): Promise<{ result: TranscriptResult; text: string }> {
    const { signal } = context;
    const engine = this.engines.find((e) => e.supports(payload.language));
    if (!engine)
      throw new PermanentJobError(
        `No speech engine for language "${payload.language}" (offline: English only; set SPEECH_BASE_URL for others)`,
      );
    const result = await this.files.withScratch(context.jobId, async (scratch) => {
      const video = await this.source(payload, scratch, signal);
      await context.progress(20);
      const audio = path.join(scratch, `audio.${engine.audioFormat}`);
      await this.tools
        .extractAudio(video, audio, engine.audioFormat, signal)
        .catch(permanentWhen(UnreadableMediaError));
      await context.progress(40);
      const transcript = await context
        .viaProvider('speech', () => engine.transcribe(audio, payload.language, signal))
        .catch((error: unknown) => Promise.reject(asJobFailure(error)));
      if (!transcript.text.trim()) throw new PermanentJobError('No speech was recognised');
      await context.progress(90);
      const base = `transcript.${payload.language}`;
      await writeFile(path.join(scratch, `${base}.vtt`), toWebVtt(transcript.segments));
      await writeFile(path.join(scratch, `${base}.srt`), toSrt(transcript.segments));
      const files = {
        vtt: await this.files.publish(
          path.join(scratch, `${base}.vtt`),
          payload.contentId,
          `${base}.vtt`,
          signal,
        ),
        srt: await this.files.publish(
          path.join(scratch, `${base}.srt`),
          payload.contentId,
          `${base}.srt`,
          signal,
        ),
      };
      return { transcript, files };
    });
    const { transcript, files } = result;
    signal.throwIfAborted();
    await this.contents.saveTranscript(payload.contentId, {
      language: payload.language,
      engine: engine.name,
      text: transcript.text,
      segments: transcript.segments,
      files,
      createdAt: new Date(),
    });
    await context.progress(100);
    return {
      result: {
        contentId: payload.contentId,
        language: payload.language,
        engine: engine.name,
        words: transcript.text.split(/\s+/).filter(Boolean).length,
        segments: transcript.segments.length,
        files,
      },
      text: transcript.text,
    };
  }

  /** The video to listen to: downloaded from `videoUrl`, or the content's processed rendition. */
  private async source(
    payload: GenerateTranscriptPayload,
    scratch: string,
    signal: AbortSignal,
  ): Promise<string> {
    if (payload.videoUrl) {
      const file = path.join(scratch, 'source');
      await downloadToFile(payload.videoUrl, file, this.download, signal).catch(
        permanentWhen(DownloadRefusedError),
      );
      return file;
    }
    const content = await this.contents.findById(payload.contentId);
    const rendition = (content?.media?.video as { rendition?: { file?: string } } | undefined)
      ?.rendition?.file;
    if (!rendition)
      throw new PermanentJobError('The content has no processed video; give a videoUrl');
    // Gone from storage (erased meanwhile): a retry would not find it either.
    return this.files
      .fetchPublished(rendition, scratch, signal)
      .catch(permanentWhen(ObjectNotFoundError));
  }
}
