/**
 * LinkedIn's post commentary is "little text": `\ | { } @ [ ] ( ) < > # * _ ~` are markup
 * (mentions, hashtags, templates) and must be backslash-escaped to show as written; unescaped,
 * LinkedIn may cut the post at the first one while answering 201. Links are left whole (escaping
 * would break them) and `#word` stays a clickable hashtag.
 */
export function toLittleText(text: string): string {
  return text
    .split(/(https?:\/\/\S+)/)
    .map((part, i) => (i % 2 === 1 ? part : escapePlain(part)))
    .join('');
}

function escapePlain(text: string): string {
  return text.replace(/[\\|{}@[\]()<>#*_~]/g, (char, offset: number) =>
    char === '#' && /^#[\p{L}\p{N}]/u.test(text.slice(offset, offset + 2)) ? char : `\\${char}`,
  );
}
