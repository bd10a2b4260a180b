import { stat } from 'node:fs/promises';
import { ProcessFailedError, runProcess } from './run-process';
import { MediaTools, UnreadableMediaError, VideoMetadata } from './media-tools';

interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
}
interface ProbeOutput {
  streams?: ProbeStream[];
  format?: { duration?: string; format_name?: string; bit_rate?: string; size?: string };
}

/** MediaTools on Debian's ffmpeg / ffprobe. */
export class FfmpegMediaTools implements MediaTools {
  constructor(
    private readonly ffmpeg: string,
    private readonly ffprobe: string,
  ) {}

  async probe(file: string, signal: AbortSignal): Promise<VideoMetadata> {
    let output: string;
    try {
      output = await runProcess(
        this.ffprobe,
        ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file],
        signal,
      );
    } catch (error) {
      // ffprobe's own words ("Invalid data found when processing input") say why.
      if (error instanceof ProcessFailedError)
        throw new UnreadableMediaError(`ffprobe: ${error.stderrTail.replace(`${file}: `, '')}`);
      throw error;
    }
    const probe = JSON.parse(output) as ProbeOutput;
    const video = probe.streams?.find((s) => s.codec_type === 'video');
    const audio = probe.streams?.find((s) => s.codec_type === 'audio');
    const duration = Number(probe.format?.duration);
    if (!video?.width || !video.height || !(duration > 0))
      throw new UnreadableMediaError('ffprobe: the file has no video stream with a duration');
    return {
      durationSeconds: duration,
      width: video.width,
      height: video.height,
      videoCodec: video.codec_name ?? 'unknown',
      audioCodec: audio?.codec_name,
      sizeBytes: Number(probe.format?.size) || (await stat(file)).size,
      format: probe.format?.format_name ?? 'unknown',
      bitRate: Number(probe.format?.bit_rate) || undefined,
    };
  }

  async thumbnail(file: string, output: string, atSeconds: number, signal: AbortSignal) {
    await runProcess(
      this.ffmpeg,
      ['-v', 'error', '-y', '-ss', atSeconds.toFixed(2), '-i', file].concat([
        '-frames:v',
        '1',
        '-vf',
        'scale=-2:min(360\\,ih)',
        '-q:v',
        '3',
        output,
      ]),
      signal,
    );
  }

  async transcode(
    file: string,
    output: string,
    options: { height: number; durationSeconds: number },
    onProgress: (fraction: number) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const totalUs = options.durationSeconds * 1_000_000;
    await runProcess(
      this.ffmpeg,
      ['-v', 'error', '-nostats', '-progress', 'pipe:1', '-y', '-i', file]
        // Even width and height for yuv420p; never taller than the source.
        .concat(['-vf', `scale=-2:min(${options.height}\\,ih)`, '-c:v', 'libx264'])
        .concat(['-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p'])
        .concat(['-c:a', 'aac', '-b:a', '128k', '-movflags', '+faststart', output]),
      signal,
      (line) => {
        // ffmpeg's machine-readable progress: key=value lines, out_time_us in microseconds.
        const match = /^out_time_us=(\d+)$/.exec(line);
        if (match && totalUs > 0) onProgress(Math.min(1, Number(match[1]) / totalUs));
      },
    );
  }

  async extractAudio(file: string, output: string, signal: AbortSignal): Promise<void> {
    await runProcess(
      this.ffmpeg,
      ['-v', 'error', '-y', '-i', file, '-vn', '-ac', '1', '-ar', '16000'].concat([
        '-c:a',
        'pcm_s16le',
        output,
      ]),
      signal,
    );
  }
}
