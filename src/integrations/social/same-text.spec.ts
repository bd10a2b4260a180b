import { sameText } from './same-text';

describe('sameText', () => {
  it('matches X’s copy with t.co links and HTML entities', () => {
    expect(
      sameText(
        'Q&A <live> today\nhttps://cdn.example.com/a.jpg',
        'Q&amp;A &lt;live&gt; today\nhttps://t.co/AbC123',
      ),
    ).toBe(true);
  });

  it('matches LinkedIn’s escaped commentary', () => {
    expect(sameText('Launch (beta) #1 @team', 'Launch \\(beta\\) \\#1 \\@team')).toBe(true);
  });

  it('tells different texts apart', () => {
    expect(sameText('Launch today', 'Launch tomorrow')).toBe(false);
    expect(sameText('See https://a.example', 'See')).toBe(false);
  });
});
