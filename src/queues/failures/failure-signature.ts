/**
 * A failure reason with what differs from job to job replaced by placeholders, so failures of the
 * same cause group together: "twitter: 503 for post 123" and "twitter: 503 for post 456" are one
 * signature. URLs, e-mail addresses, quoted values, ids (UUIDs, long hex, ObjectIds) and numbers
 * go; an HTTP status after "status", "HTTP", "code" or a colon stays (503 is not 429).
 */
export function failureSignature(reason: string): string {
  return reason
    .slice(0, 2000)
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, '<url>')
    .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, '<email>')
    .replace(/"[^"]*"|'[^']*'|`[^`]*`|“[^”]*”/g, '<value>')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<id>')
    .replace(/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{12,}\b/gi, '<id>')
    .replace(
      /(\b(?:status|http|code)\s*:?\s*|:\s*)?\b\d+(\.\d+)?\b/gi,
      (match: string, lead: string | undefined) =>
        lead && /^[1-5]\d\d$/.test(match.slice(lead.length)) ? match : `${lead ?? ''}<n>`,
    )
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}
