import { ReplyError } from 'ioredis';

/** What ioredis says when a connection fails with commands on it (its own messages, 5.x). */
const LOST =
  /Connection is closed|Stream isn't writeable|Command timed out|max retries per request/i;
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);
const LOST_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);

/**
 * True when a command failed because no Redis answered it, as opposed to Redis answering with an
 * error (a ReplyError: READONLY, CLUSTERDOWN, OOM, a script's refusal). A command that failed
 * this way may still have run: a master can execute it (and its replica receive it) and die
 * before it replies.
 */
export function isLostConnection(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof ReplyError) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return (
    LOST_NAMES.has(error.name) ||
    (code !== undefined && NETWORK_CODES.has(code)) ||
    LOST.test(error.message)
  );
}
