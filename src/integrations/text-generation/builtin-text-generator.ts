import type { ContentPlatform } from '../../common/platforms';
import type { PostDraft, PostRequest, TextGenerator } from './text-generator';

// Common English words that make poor keywords.
const STOPWORDS = new Set(
  `about above after again against all also among an and any are aren't as at be because been before being below between
  both but by can cannot could did do does doing down during each even ever every few for from further get gets got had has
  have having he her here hers herself him himself his how however i if in into is isn't it its itself just like made make
  many may me might more most much must my myself new no nor not now of off often on once one only or other our ours
  ourselves out over own really same say says she should since so some still such than that the their theirs them
  themselves then there these they thing things this those through to too under until up upon us use used using very was
  we were what when where which while who whom why will with within without would you your yours yourself yourselves
  into onto it's we're they're you're i'm that's there's let's`.split(/\s+/),
);

/** How many sentences of the summary each platform gets. */
const SENTENCES: Record<ContentPlatform, number> = {
  twitter: 1,
  linkedin: 6,
  facebook: 3,
  instagram: 3,
};

export function sentencesOf(text: string): string[] {
  return text
    .replace(/\s+/g, ' ')
    .split(/(?<=[.!?])\s+(?=[\p{Lu}\p{N}"'“])/u)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Words by how often they appear (then by first appearance), stopwords and short words left out. */
export function keywordsOf(text: string, count: number): string[] {
  const tally = new Map<string, { n: number; first: number; shown: string }>();
  const words = text.match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu) ?? [];
  words.forEach((word, index) => {
    const lower = word.toLowerCase().replace(/['’]s$/, '');
    if (lower.length < 4 || STOPWORDS.has(lower) || /^\d+$/.test(lower)) return;
    // "queue" and "queues" count as one word.
    const key = /[^s]s$/.test(lower) ? lower.slice(0, -1) : lower;
    const entry = tally.get(key);
    if (entry) entry.n++;
    else tally.set(key, { n: 1, first: index, shown: key });
  });
  return [...tally.values()]
    .sort((a, b) => b.n - a.n || a.first - b.first)
    .slice(0, count)
    .map((e) => e.shown);
}

function toHashtag(word: string): string {
  return `#${word
    .split(/[-'’]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('')}`;
}

/**
 * Offline, deterministic generator: the opening sentences as a summary, the most frequent
 * meaningful words as hashtags. Same input, same post.
 */
export class BuiltinTextGenerator implements TextGenerator {
  readonly name = 'builtin';

  generate(request: PostRequest): Promise<PostDraft> {
    const sentences = sentencesOf(request.text);
    const summary = (sentences.length ? sentences : [request.text.trim()])
      .slice(0, SENTENCES[request.platform])
      .join(' ');
    const hashtags =
      request.rules.hashtags > 0
        ? keywordsOf(request.text, request.rules.hashtags).map(toHashtag)
        : [];
    return Promise.resolve({ text: summary, hashtags });
  }
}
