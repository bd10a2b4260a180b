import type { AudioFormat } from '../media/media-tools';

export const SPEECH_ENGINES = Symbol('SPEECH_ENGINES');

export interface TranscriptSegment {
  /** Seconds from the start. */
  start: number;
  end: number;
  text: string;
}

export interface Transcript {
  text: string;
  segments: TranscriptSegment[];
}

/** Speech to text for a 16 kHz mono audio file in the engine's `audioFormat`. */
export interface SpeechEngine {
  readonly name: string;
  readonly audioFormat: AudioFormat;
  /** `language` is a code such as en, en-US or pt-BR. */
  supports(language: string): boolean;
  transcribe(audioFile: string, language: string, signal: AbortSignal): Promise<Transcript>;
}
