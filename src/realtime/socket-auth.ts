import type { Socket } from 'socket.io';
import type { Role } from '../auth/user.schema';

/** Who a socket belongs to, set once by the handshake check. */
export interface SocketUser {
  id: string;
  role: Role;
}

export function socketUser(socket: Socket): SocketUser {
  return (socket.data as { user: SocketUser }).user;
}

/**
 * The access token a client sent: `auth: { token }` (socket.io's own way), or an
 * `Authorization: Bearer` header (clients that can set headers), or `?token=` as a last resort.
 */
export function handshakeToken(socket: Socket): string | undefined {
  const { auth, headers, query } = socket.handshake;
  const fromAuth = (auth as { token?: unknown } | undefined)?.token;
  if (typeof fromAuth === 'string' && fromAuth) return fromAuth.replace(/^Bearer /, '');
  const [scheme, fromHeader] = (headers.authorization ?? '').split(' ');
  if (scheme === 'Bearer' && fromHeader) return fromHeader;
  return typeof query.token === 'string' && query.token ? query.token : undefined;
}

/** An error the client receives as `connect_error`, with `data.statusCode` like the HTTP API. */
export function handshakeError(statusCode: number, message: string): Error {
  return Object.assign(new Error(message), { data: { statusCode, message } });
}
