import { judgeUpload, videoContainer } from '../../src/submissions/video-signature';

const box = (type: string, brand = 'isom') =>
  Buffer.concat([Buffer.from([0, 0, 0, 0x20]), Buffer.from(type + brand, 'latin1')]);
const ascii = (...parts: (string | number[])[]) =>
  Buffer.concat(
    parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))),
  );

describe('video signatures', () => {
  it.each([
    ['MP4', box('ftyp'), '.mp4'],
    ['QuickTime', box('ftyp', 'qt  '), '.mov'],
    ['3GP', box('ftyp', '3gp4'), '.3gp'],
    ['QuickTime', box('moov', ''), '.mov'],
    ['WebM', ascii([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x84], 'webm'), '.webm'],
    ['Matroska', ascii([0x1a, 0x45, 0xdf, 0xa3, 0xa3, 0x42, 0x82, 0x88], 'matroska'), '.mkv'],
    ['AVI', ascii('RIFF', [1, 2, 3, 4], 'AVI LIST'), '.avi'],
    ['MPEG', ascii([0, 0, 1, 0xba, 0x44]), '.mpg'],
    [
      'MPEG-TS',
      Buffer.concat([Buffer.from([0x47]), Buffer.alloc(187), Buffer.from([0x47])]),
      '.ts',
    ],
    ['Ogg', ascii('OggS', [0, 2]), '.ogv'],
    ['FLV', ascii('FLV', [1, 5]), '.flv'],
  ])('recognises %s', (container, head, extension) => {
    expect(videoContainer(head)).toEqual({ container, extension });
  });

  it('is not fooled by a RIFF that is a WebP image or WAV audio', () => {
    expect(videoContainer(ascii('RIFF', [1, 2, 3, 4], 'WEBPVP8 '))).toBeUndefined();
    expect(videoContainer(ascii('RIFF', [1, 2, 3, 4], 'WAVEfmt '))).toBeUndefined();
  });
});

describe('judgeUpload', () => {
  const octet = (originalname: string) => ({ originalname, mimetype: 'application/octet-stream' });

  it('takes video content under any name, keeping a video extension or giving the content’s', () => {
    expect(judgeUpload(octet('clip.MOV'), box('ftyp'))).toEqual({ extension: '.mov' });
    expect(judgeUpload(octet('clip'), box('ftyp'))).toEqual({ extension: '.mp4' });
    expect(judgeUpload(octet('clip.html'), box('ftyp'))).toEqual({ extension: '.mp4' });
  });

  it('takes unknown binary content when the name says video (ffprobe has the last word)', () => {
    expect(judgeUpload(octet('odd.webm'), Buffer.alloc(100, 7))).toEqual({ extension: '.webm' });
  });

  it('refuses content that clearly is not a video, whatever the name, saying what it is', () => {
    expect(judgeUpload(octet('clip.mp4'), Buffer.from('#EXTM3U\n#EXTINF:4,\n/etc/x\n'))).toEqual({
      refusal:
        'file "clip.mp4" (application/octet-stream) is not a video: its content is text, not a video container',
    });
    expect(judgeUpload(octet('a.mp4'), ascii('%PDF-1.7'))).toEqual({
      refusal:
        'file "a.mp4" (application/octet-stream) is not a video: its content is a PDF document, not a video container',
    });
    // Text whose bytes 4-7 spell a QuickTime box type is still text.
    expect(judgeUpload(octet('free.mov'), Buffer.from("I'm free to go\n"))).toEqual({
      refusal:
        'file "free.mov" (application/octet-stream) is not a video: its content is text, not a video container',
    });
    expect(judgeUpload(octet('x.mp4'), Buffer.alloc(0))).toEqual({
      refusal: 'file "x.mp4" is empty',
    });
  });

  it('refuses a name and content that say nothing of video, naming both ways in', () => {
    const verdict = judgeUpload(
      { originalname: 'a"b.bin', mimetype: 'video/mp4' },
      Buffer.alloc(9, 7),
    );
    expect(verdict).toEqual({
      refusal: expect.stringMatching(
        /^file "a\\"b\.bin" \(video\/mp4\) is not a video: expected \.mp4, \.mov, .* or video content/,
      ),
    });
  });
});
