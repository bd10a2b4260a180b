import { toSrt, toWebVtt } from './captions';
import { parseWords, toTranscript } from './pocketsphinx-engine';

const segments = [
  { start: 0.24, end: 1.5, text: 'hello world' },
  { start: 3725.0049, end: 3727.1, text: 'an hour later' },
];

describe('captions', () => {
  it('writes WebVTT with a header and dotted milliseconds', () => {
    expect(toWebVtt(segments)).toBe(
      'WEBVTT\n\n00:00:00.240 --> 00:00:01.500\nhello world\n\n' +
        '01:02:05.005 --> 01:02:07.100\nan hour later\n',
    );
  });

  it('writes SRT with numbered cues and comma milliseconds', () => {
    expect(toSrt(segments)).toBe(
      '1\n00:00:00,240 --> 00:00:01,500\nhello world\n\n' +
        '2\n01:02:05,005 --> 01:02:07,100\nan hour later\n',
    );
  });
});

describe('pocketsphinx output', () => {
  const output = [
    'hello world this is a test',
    '<s> 0.000 0.230 0.998701',
    'hello 0.240 0.600 0.9',
    'world(2) 0.610 1.000 0.8',
    '<sil> 1.010 2.000 0.9',
    '[NOISE] 2.000 2.100 0.9',
    'this 2.110 2.300 0.9',
    'is 2.310 2.400 0.9',
    '</s> 2.410 2.600 1.000000',
  ].join('\n');

  it('keeps the words with their times, drops fillers, folds alternative pronunciations', () => {
    expect(parseWords(output).map((w) => w.word)).toEqual(['hello', 'world', 'this', 'is']);
  });

  it('starts a new segment after a pause', () => {
    expect(toTranscript(parseWords(output))).toEqual({
      text: 'hello world this is',
      segments: [
        { start: 0.24, end: 1, text: 'hello world' },
        { start: 2.11, end: 2.4, text: 'this is' },
      ],
    });
  });
});
