import { composePost, truncate } from './fit-post';
import { keywordsOf, sentencesOf } from './builtin-text-generator';
import { parseDraft } from './openai-text-generator';

describe('post fitting', () => {
  it('cuts at a word boundary with an ellipsis', () => {
    expect(truncate('one two three four', 10)).toBe('one two…');
    expect(truncate('short', 10)).toBe('short');
  });

  it('keeps body plus hashtags within the limit, dropping hashtags before cutting a short body', () => {
    const rules = { maxLength: 30, hashtags: 3 };
    const post = composePost(
      { text: 'Tiny body', hashtags: ['#OneVeryLongHashtag', 'two', '#three'] },
      rules,
    );
    expect([...post.text].length).toBeLessThanOrEqual(30);
    expect(post.text.startsWith('Tiny body')).toBe(true);
  });

  it('normalizes and de-duplicates hashtags', () => {
    expect(
      composePost(
        { text: 'x', hashtags: ['Nest JS', '#nest-js', '#NestJS', ''] },
        { maxLength: 100, hashtags: 5 },
      ).hashtags,
    ).toEqual(['#NestJS', '#nestjs']);
  });
});

describe('built-in generator pieces', () => {
  it('splits sentences and ranks keywords by frequency, plural folded into singular', () => {
    expect(sentencesOf('One thing. Two things! Three?')).toEqual([
      'One thing.',
      'Two things!',
      'Three?',
    ]);
    expect(keywordsOf('Queues and queues of workers; a worker queue.', 2)).toEqual([
      'queue',
      'worker',
    ]);
  });

  it('reads a model answer as JSON, or pulls hashtags out of plain text', () => {
    expect(parseDraft('{"text":"Hi","hashtags":["#A"]}')).toEqual({ text: 'Hi', hashtags: ['#A'] });
    expect(parseDraft('Hello world #one #two')).toEqual({
      text: 'Hello world',
      hashtags: ['#one', '#two'],
    });
  });
});
