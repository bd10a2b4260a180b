import { stat } from 'node:fs/promises';
import { ProcessFailedError, runProcess } from './run-process';
import { AudioFormat, MediaTools, UnreadableMediaError, VideoMetadata } from './media-tools';

interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  duration?: string;
}
interface ProbeOutput {
  streams?: ProbeStream[];
  format?: { duration?: string; format_name?: string; bit_rate?: string; size?: string };
}

/**
 * Before every input: only video container demuxers, only local files. Without this a user's
 * "video" can be an HLS or concat playlist naming other files on this machine (another user's
 * rendition, say), which ffmpeg would read and hand back as the upload's rendition.
 */
const VIDEO_DEMUXERS = 'mov,matroska,webm,avi,mpeg,mpegts,ogg,flv,asf';
const inputGuard = (demuxers: string) => [
  ...['-protocol_whitelist', 'file'],
  ...['-format_whitelist', demuxers],
];
const INPUT_GUARD = inputGuard(VIDEO_DEMUXERS);
/** A transcript's videoUrl may also be plain audio; these demuxers never open other files. */
const AUDIO_INPUT_GUARD = inputGuard(`${VIDEO_DEMUXERS},mp3,wav,flac,aac`);

/** Even height at most `height` and never above the source's (libx264 needs even sizes). */
const scaleTo = (height: number) => `scale=-2:'trunc(min(${height},ih)/2)*2'`;

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

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
        [
          '-v',
          'error',
          ...INPUT_GUARD,
          '-print_format',
          'json',
          '-show_format',
          '-show_streams',
        ].concat([file]),
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
    if (!video?.width || !video.height)
      throw new UnreadableMediaError('ffprobe: the file has no video stream');
    // Browser-recorded WebM often states no duration: 0 then means unknown (no % progress).
    const duration = Number(probe.format?.duration) || Number(video.duration) || 0;
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
    const grab = (at: number) =>
      runProcess(
        this.ffmpeg,
        ['-v', 'error', '-y', '-ss', at.toFixed(2), ...INPUT_GUARD, '-i', file].concat([
          '-frames:v',
          '1',
          '-vf',
          scaleTo(360),
          '-q:v',
          '3',
          output,
        ]),
        signal,
      );
    await grab(atSeconds);
    // ffmpeg writes nothing (and exits 0) when no frame follows `at`: a clip of one frame, a
    // low frame rate. The first frame it is, then.
    if (atSeconds > 0 && !(await exists(output))) await grab(0);
    if (!(await exists(output))) throw new UnreadableMediaError('the video has no frame to show');
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
      ['-v', 'error', '-nostats', '-progress', 'pipe:1', '-y', ...INPUT_GUARD, '-i', file]
        .concat(['-vf', scaleTo(options.height), '-c:v', 'libx264'])
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

  async extractAudio(
    file: string,
    output: string,
    format: AudioFormat,
    signal: AbortSignal,
  ): Promise<void> {
    const codec = format === 'mp3' ? ['-c:a', 'libmp3lame', '-b:a', '32k'] : ['-c:a', 'pcm_s16le'];
    try {
      await runProcess(
        this.ffmpeg,
        ['-v', 'error', '-y', ...AUDIO_INPUT_GUARD, '-i', file, '-vn', '-ac', '1', '-ar', '16000']
          .concat(codec)
          .concat([output]),
        signal,
      );
    } catch (error) {
      // Its input is a file that ffprobe did not vet (a download): a refusal is about the file.
      if (error instanceof ProcessFailedError)
        throw new UnreadableMediaError(`ffmpeg: ${error.stderrTail.replace(`${file}: `, '')}`);
      throw error;
    }
  }
}
