/**
 * Whether a platform's copy of a post is the text we sent. Platforms hand text back changed: X
 * rewrites links to t.co and escapes `& < >` as HTML entities; LinkedIn's commentary escapes its
 * reserved characters with a backslash. So links count as "a link", entities are decoded,
 * backslash escapes dropped, and whitespace runs compared as one space.
 */
export function sameText(sent: string, seen: string): boolean {
  return normalize(sent) === normalize(seen);
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"' };

function normalize(text: string): string {
  return text
    .replace(/&(amp|lt|gt|quot);/g, (entity) => ENTITIES[entity])
    .replace(/\\([\\|{}@[\]()<>#*_~])/g, '$1')
    .replace(/https?:\/\/\S+/g, '<link>')
    .replace(/\s+/g, ' ')
    .trim();
}
