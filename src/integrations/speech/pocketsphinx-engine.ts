import { runProcess } from '../media/run-process';
import type { SpeechEngine, Transcript, TranscriptSegment } from './speech-engine';

interface Word {
  word: string;
  start: number;
  end: number;
}

/** A new caption starts after a pause this long, or when one grows past these sizes. */
const PAUSE_S = 0.6;
const MAX_SEGMENT_S = 6;
const MAX_SEGMENT_WORDS = 12;

/**
 * Offline English with Debian's pocketsphinx + pocketsphinx-en-us (CMU Sphinx, no network).
 * `-time yes` prints each recognised word with its start and end; fillers (<s>, <sil>, [NOISE])
 * are dropped and alternative pronunciations ("word(2)") folded.
 */
export class PocketsphinxEngine implements SpeechEngine {
  readonly name = 'pocketsphinx';
  readonly audioFormat = 'wav';

  constructor(private readonly command: string) {}

  supports(language: string): boolean {
    return /^en(-|$)/i.test(language);
  }

  async transcribe(wavFile: string, _language: string, signal: AbortSignal): Promise<Transcript> {
    const output = await runProcess(
      this.command,
      ['-infile', wavFile, '-time', 'yes', '-logfn', '/dev/null'],
      signal,
    );
    return toTranscript(parseWords(output));
  }
}

export function parseWords(output: string): Word[] {
  const words: Word[] = [];
  for (const line of output.split('\n')) {
    const match = /^(\S+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) [\d.]+$/.exec(line.trim());
    if (!match || /^(<.*>|\[.*\])$/.test(match[1])) continue;
    words.push({ word: match[1].replace(/\(\d+\)$/, ''), start: +match[2], end: +match[3] });
  }
  return words;
}

export function toTranscript(words: Word[]): Transcript {
  const segments: TranscriptSegment[] = [];
  let current: Word[] = [];
  const close = () => {
    if (!current.length) return;
    segments.push({
      start: current[0].start,
      end: current[current.length - 1].end,
      text: current.map((w) => w.word).join(' '),
    });
    current = [];
  };
  for (const word of words) {
    const last = current[current.length - 1];
    if (
      last &&
      (word.start - last.end > PAUSE_S ||
        word.end - current[0].start > MAX_SEGMENT_S ||
        current.length >= MAX_SEGMENT_WORDS)
    )
      close();
    current.push(word);
  }
  close();
  return { text: segments.map((s) => s.text).join(' '), segments };
}
