import path from 'node:path';

/** File name extensions taken for a video without looking further (ffprobe has the last word). */
export const VIDEO_EXTENSIONS = [
  '.mp4',
  '.mov',
  '.m4v',
  '.webm',
  '.mkv',
  '.avi',
  '.mpeg',
  '.mpg',
  '.ogv',
  '.3gp',
];

/** How many leading bytes the check reads (every signature below and the text test fit). */
export const HEAD_BYTES = 512;

/** A video container recognised by its first bytes, and the extension its files take. */
export interface VideoContainer {
  container: string;
  extension: string;
}

const ascii = (head: Buffer, at: number, text: string) =>
  head.length >= at + text.length && head.toString('latin1', at, at + text.length) === text;

const bytes = (head: Buffer, at: number, signature: number[]) =>
  head.length >= at + signature.length && signature.every((b, i) => head[at + i] === b);

/** ISO base media (MP4, MOV, 3GP) and QuickTime files start with a box: size, then its type. */
const QUICKTIME_BOXES = ['moov', 'mdat', 'free', 'skip', 'wide', 'pnot'];

export function videoContainer(head: Buffer): VideoContainer | undefined {
  const video = (container: string, extension: string) => ({ container, extension });
  if (ascii(head, 4, 'ftyp')) {
    const brand = head.toString('latin1', 8, 12);
    if (brand === 'qt  ') return video('QuickTime', '.mov');
    return brand.startsWith('3g') ? video('3GP', '.3gp') : video('MP4', '.mp4');
  }
  if (QUICKTIME_BOXES.some((box) => ascii(head, 4, box))) return video('QuickTime', '.mov');
  if (bytes(head, 0, [0x1a, 0x45, 0xdf, 0xa3])) {
    // EBML: the DocType ("webm" or "matroska") follows within the header.
    const webm = head.subarray(0, 64).includes('webm', 0, 'latin1');
    return webm ? video('WebM', '.webm') : video('Matroska', '.mkv');
  }
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'AVI ')) return video('AVI', '.avi');
  if (bytes(head, 0, [0x00, 0x00, 0x01, 0xba]) || bytes(head, 0, [0x00, 0x00, 0x01, 0xb3]))
    return video('MPEG', '.mpg');
  // MPEG transport stream: a sync byte every 188 bytes.
  if (head[0] === 0x47 && head.length > 188 && head[188] === 0x47) return video('MPEG-TS', '.ts');
  if (ascii(head, 0, 'OggS')) return video('Ogg', '.ogv');
  if (ascii(head, 0, 'FLV')) return video('FLV', '.flv');
  if (bytes(head, 0, [0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11]))
    return video('ASF/WMV', '.wmv');
  return undefined;
}

/** Formats a video upload is often confused with. */
function otherFormat(head: Buffer): string | undefined {
  if (bytes(head, 0, [0x89, 0x50, 0x4e, 0x47])) return 'a PNG image';
  if (bytes(head, 0, [0xff, 0xd8, 0xff])) return 'a JPEG image';
  if (ascii(head, 0, 'GIF8')) return 'a GIF image';
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WEBP')) return 'a WebP image';
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WAVE')) return 'WAV audio';
  if (ascii(head, 0, '%PDF')) return 'a PDF document';
  if (bytes(head, 0, [0x50, 0x4b, 0x03, 0x04])) return 'a ZIP archive';
  if (bytes(head, 0, [0x1f, 0x8b])) return 'a gzip archive';
  if (isText(head)) return 'text';
  return undefined;
}

/** No control bytes but tab, line feed, form feed and carriage return: text (or a playlist). */
function isText(head: Buffer): boolean {
  return head.every((b) => (b >= 0x20 ? b !== 0x7f : b === 9 || b === 10 || b === 12 || b === 13));
}

/**
 * Whether an upload is taken as a video, from its name and its first bytes (never its
 * Content-Type: curl sends application/octet-stream). A video signature is enough whatever the
 * name; a video extension is enough unless the content is clearly something else (text, an
 * image, an archive): ffprobe would fail it later, so it is refused now, with the reason.
 * Accepted: the extension the stored file gets (the client's if it is a video one).
 */
export function judgeUpload(
  file: { originalname: string; mimetype: string },
  head: Buffer,
): { extension: string } | { refusal: string } {
  const named = JSON.stringify(file.originalname);
  if (head.length === 0) return { refusal: `file ${named} is empty` };
  const extension = path.extname(file.originalname).toLowerCase();
  const videoName = VIDEO_EXTENSIONS.includes(extension);
  // Every container has binary bytes early on: text that happens to match ("I'm free…") is text.
  const content = isText(head) ? undefined : videoContainer(head);
  if (content) return { extension: videoName ? extension : content.extension };
  const prefix = `file ${named} (${file.mimetype}) is not a video`;
  const other = otherFormat(head);
  if (other) return { refusal: `${prefix}: its content is ${other}, not a video container` };
  if (videoName) return { extension };
  return {
    refusal: `${prefix}: expected ${VIDEO_EXTENSIONS.join(', ')} or video content (MP4, QuickTime, WebM, Matroska, AVI, MPEG, Ogg, FLV)`,
  };
}
