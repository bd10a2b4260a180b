import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A short clip made here: ffmpeg's test pattern with `sentence` spoken by espeak-ng. The klatt
 * voice is the one of espeak's voices pocketsphinx's acoustic model understands best.
 */
export async function makeSpokenClip(dir: string, sentence: string): Promise<string> {
  const speech = path.join(dir, 'speech.wav');
  const clip = path.join(dir, 'clip.mp4');
  await run('espeak-ng', ['-v', 'en-us+klatt', '-s', '130', '-w', speech, sentence]);
  await run('ffmpeg', [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-i', speech],
    ...['-shortest', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', clip],
  ]);
  return clip;
}

/**
 * A long, cheap-to-make clip (MPEG-4 part 2) whose H.264 transcode takes a while: a tone for
 * sound, or `speech` (a WAV, padded with silence to the clip's length).
 */
export async function makeLongClip(dir: string, seconds: number, speech?: string): Promise<string> {
  const clip = path.join(dir, speech ? 'long-spoken.mp4' : 'long.mp4');
  const sound = speech
    ? ['-i', speech, '-af', 'apad', '-shortest']
    : ['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`];
  await run('ffmpeg', [
    ...['-v', 'error', '-y', '-f', 'lavfi'],
    ...['-i', `testsrc=size=640x480:rate=25:duration=${seconds}`],
    ...sound,
    ...['-c:v', 'mpeg4', '-q:v', speech ? '5' : '31', '-c:a', 'aac', clip],
  ]);
  return clip;
}

export interface Probe {
  streams: { codec_type: string; codec_name: string; width?: number; height?: number }[];
  format: { duration: string };
}

export async function ffprobe(file: string): Promise<Probe> {
  const { stdout } = await run('ffprobe', [
    ...['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file],
  ]);
  return JSON.parse(stdout) as Probe;
}

/** Word error rate: word-level edit distance between what was said and what was heard, / words said. */
export function wordErrorRate(reference: string, hypothesis: string): number {
  const ref = words(reference);
  const hyp = words(hypothesis);
  let previous = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const current = [i];
    for (let j = 1; j <= hyp.length; j++)
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (ref[i - 1] === hyp[j - 1] ? 0 : 1),
      );
    previous = current;
  }
  return previous[hyp.length] / ref.length;
}

export function words(text: string): string[] {
  return text.toLowerCase().match(/[a-z']+/g) ?? [];
}

/** A one-frame clip small enough for a tight UPLOAD_MAX_BYTES, in the container `file`'s extension names. */
export async function makeTinyClip(file: string): Promise<string> {
  await run('ffmpeg', [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=1:duration=1'],
    ...['-c:v', 'libx264', '-pix_fmt', 'yuv420p', file],
  ]);
  return file;
}
