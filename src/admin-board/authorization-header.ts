/** What an Authorization header offers: an email and password (Basic), or an access token (Bearer). */
export type PresentedCredentials =
  | { kind: 'none' }
  | { kind: 'malformed' }
  | { kind: 'basic'; email: string; password: string }
  | { kind: 'bearer'; token: string };

/**
 * Reads the header without trusting it. Basic is what a browser sends after its sign-in dialog;
 * Bearer is the API's own access token, for scripts and for the frontend.
 */
export function readAuthorizationHeader(header: string | undefined): PresentedCredentials {
  if (!header?.trim()) return { kind: 'none' };
  const [scheme, value, ...rest] = header.trim().split(/\s+/);
  if (!value || rest.length) return { kind: 'malformed' };
  if (/^bearer$/i.test(scheme)) return { kind: 'bearer', token: value };
  if (!/^basic$/i.test(scheme)) return { kind: 'malformed' };
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  // RFC 7617: the user id cannot hold a colon, the password can.
  const colon = decoded.indexOf(':');
  if (colon <= 0) return { kind: 'malformed' };
  return { kind: 'basic', email: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
