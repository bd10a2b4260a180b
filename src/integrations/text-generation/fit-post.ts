import type { PlatformRules } from '../../common/platforms';
import type { PostDraft } from './text-generator';

const length = (s: string) => [...s].length;

/** Cuts `text` to at most `max` characters, at a word boundary, ending with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (length(text) <= max) return text;
  const chars = [...text].slice(0, Math.max(0, max - 1)).join('');
  const cut = chars.replace(/\s+\S*$/, '');
  return `${(cut.length > max / 2 ? cut : chars).trimEnd()}…`;
}

export function normalizeHashtag(tag: string): string | undefined {
  const word = tag.replace(/^#/, '').replace(/[^\p{L}\p{N}_]/gu, '');
  return word ? `#${word}` : undefined;
}

/**
 * The final post text: body, then the hashtags on their own line, never longer than the platform
 * allows. Hashtags are dropped from the end before the body is shortened.
 */
export function composePost(
  draft: PostDraft,
  rules: PlatformRules,
): { text: string; hashtags: string[] } {
  let hashtags = [
    ...new Set(draft.hashtags.map(normalizeHashtag).filter((t): t is string => !!t)),
  ].slice(0, rules.hashtags);
  const body = draft.text.trim();
  const join = (tags: string[]) => (tags.length ? `${body}\n\n${tags.join(' ')}` : body);
  while (
    hashtags.length > 0 &&
    length(join(hashtags)) > rules.maxLength &&
    length(body) < rules.maxLength / 2
  ) {
    hashtags = hashtags.slice(0, -1);
  }
  const tagLine = hashtags.length ? `\n\n${hashtags.join(' ')}` : '';
  const text = `${truncate(body, rules.maxLength - length(tagLine))}${tagLine}`;
  return { text, hashtags };
}
