import { readFile } from 'node:fs/promises';
import type { MediaConfig } from '../../config/media-config';
import { postForm } from '../http/provider-http';
import type { SpeechEngine, Transcript } from './speech-engine';

interface VerboseTranscription {
  text?: string;
  segments?: { start: number; end: number; text: string }[];
}

/**
 * Any OpenAI-compatible `POST /audio/transcriptions` (OpenAI, a local whisper server, …), asked for
 * `verbose_json` so timed segments come back. Serves every language it is given.
 */
export class OpenAiSpeechEngine implements SpeechEngine {
  readonly name: string;
  /** Compressed: the APIs cap uploads (OpenAI at 25 MB, which WAV passes after 13 minutes). */
  readonly audioFormat = 'mp3';

  constructor(private readonly config: MediaConfig['speech'] & { baseUrl: string }) {
    this.name = `openai-compatible:${config.model}`;
  }

  supports(): boolean {
    return true;
  }

  async transcribe(audioFile: string, language: string, signal: AbortSignal): Promise<Transcript> {
    const form = new FormData();
    form.append('file', new Blob([await readFile(audioFile)], { type: 'audio/mpeg' }), 'audio.mp3');
    form.append('model', this.config.model);
    // The API takes ISO-639-1 codes: pt-BR is sent as pt.
    form.append('language', language.split('-')[0].toLowerCase());
    form.append('response_format', 'verbose_json');
    form.append('timestamp_granularities[]', 'segment');
    const response = await postForm<VerboseTranscription>(
      'speech',
      `${this.config.baseUrl}/audio/transcriptions`,
      form,
      {
        timeoutMs: this.config.timeoutMs,
        signal,
        headers: this.config.apiKey ? { authorization: `Bearer ${this.config.apiKey}` } : {},
      },
    );
    const segments = (response.body.segments ?? []).map((s) => ({
      start: s.start,
      end: s.end,
      text: s.text.trim(),
    }));
    const text = response.body.text?.trim() ?? segments.map((s) => s.text).join(' ');
    return { text, segments: segments.length ? segments : [{ start: 0, end: 0, text }] };
  }
}
