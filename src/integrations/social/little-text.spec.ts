import { sameText } from './same-text';
import { toLittleText } from './little-text';

describe("toLittleText: LinkedIn's commentary shows what was written", () => {
  it('escapes the markup characters, keeps links and hashtags', () => {
    expect(toLittleText('Launch (beta) [1] {x} <y> a|b @you *bold* _it_ ~s~ back\\slash')).toBe(
      'Launch \\(beta\\) \\[1\\] \\{x\\} \\<y\\> a\\|b \\@you \\*bold\\* \\_it\\_ \\~s\\~ back\\\\slash',
    );
    expect(toLittleText('See https://example.com/a_b(c)?q=~1 #queues # alone')).toBe(
      'See https://example.com/a_b(c)?q=~1 #queues \\# alone',
    );
  });

  it('reads back as the same text (how an interrupted post is found again)', () => {
    const text = 'Queues (finally) done: 100% #shipped';
    expect(sameText(text, toLittleText(text))).toBe(true);
  });
});
