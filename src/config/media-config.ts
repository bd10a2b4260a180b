import path from 'node:path';
import { EnvReader } from './env-reader';

export interface MediaConfig {
  ffmpegPath: string;
  ffprobePath: string;
  pocketsphinxPath: string;
  /** Where thumbnails, renditions and transcripts are kept, one folder per content item. */
  mediaDir: string;
  /** Height of the MP4 rendition; smaller videos keep their own height (never upscaled). */
  renditionHeight: number;
  /** OpenAI-compatible /audio/transcriptions; unset leaves English to the offline engine only. */
  speech: { baseUrl?: string; apiKey?: string; model: string; timeoutMs: number };
  /** Fetching `videoUrl` for transcripts. */
  download: { maxBytes: number; timeoutMs: number; allowPrivateAddresses: boolean };
}

export function readMediaConfig(env: EnvReader, dataDir: string): MediaConfig {
  return {
    ffmpegPath: env.string('FFMPEG_PATH', 'ffmpeg'),
    ffprobePath: env.string('FFPROBE_PATH', 'ffprobe'),
    pocketsphinxPath: env.string('POCKETSPHINX_PATH', 'pocketsphinx_continuous'),
    mediaDir: path.resolve(env.string('MEDIA_DIR', path.join(dataDir, 'media'))),
    renditionHeight: env.int('VIDEO_RENDITION_HEIGHT', 720, 96, 4320),
    speech: {
      baseUrl: env.optionalUrl('SPEECH_BASE_URL', ['http', 'https'])?.href.replace(/\/$/, ''),
      apiKey: env.optionalString('SPEECH_API_KEY'),
      model: env.string('SPEECH_MODEL', 'whisper-1'),
      timeoutMs: env.int('SPEECH_TIMEOUT_MS', 300_000, 1000),
    },
    download: {
      maxBytes: env.int('MEDIA_DOWNLOAD_MAX_BYTES', 524_288_000, 1),
      timeoutMs: env.int('MEDIA_DOWNLOAD_TIMEOUT_MS', 120_000, 1000),
      allowPrivateAddresses: env.boolean('MEDIA_ALLOW_PRIVATE_URLS', false),
    },
  };
}
