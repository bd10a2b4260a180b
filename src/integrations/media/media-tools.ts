export const MEDIA_TOOLS = Symbol('MEDIA_TOOLS');

export type AudioFormat = 'wav' | 'mp3';

export interface VideoMetadata {
  /** 0 when the file does not say (browser-recorded WebM). */
  durationSeconds: number;
  width: number;
  height: number;
  videoCodec: string;
  /** Absent when the file has no sound. */
  audioCodec?: string;
  sizeBytes: number;
  format: string;
  bitRate?: number;
}

/** The file is not something these tools can read (not a video, damaged): retrying will not help. */
export class UnreadableMediaError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'UnreadableMediaError';
  }
}

/** Video and audio work on local files. Every call stops (and kills its process) when `signal` fires. */
export interface MediaTools {
  probe(file: string, signal: AbortSignal): Promise<VideoMetadata>;
  thumbnail(file: string, output: string, atSeconds: number, signal: AbortSignal): Promise<void>;
  /** H.264/AAC MP4 at `height` (or the source's, if smaller); `onProgress` gets 0..1. */
  transcode(
    file: string,
    output: string,
    options: { height: number; durationSeconds: number },
    onProgress: (fraction: number) => void,
    signal: AbortSignal,
  ): Promise<void>;
  /**
   * The sound track, 16 kHz mono, as the speech engine wants it: `wav` (16-bit PCM, for local
   * engines) or `mp3` (32 kbit/s, about 0.24 MB a minute, for APIs with an upload size limit).
   */
  extractAudio(
    file: string,
    output: string,
    format: AudioFormat,
    signal: AbortSignal,
  ): Promise<void>;
}
