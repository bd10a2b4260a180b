/** The driver's and mongoose's words for "the database cannot be reached right now". */
const DATABASE_DOWN = /^Mongo(ServerSelection|Network|NotConnected|Topology|PoolCleared)/;

/**
 * Whether `error` (or its cause) says MongoDB is away, as opposed to refusing an operation. Such
 * errors are nobody's fault: requests answer 503, jobs wait without spending an attempt.
 */
export function isDatabaseDown(error: unknown): boolean {
  const e = error as { name?: string; message?: string; cause?: unknown } | undefined;
  if (!e) return false;
  if (DATABASE_DOWN.test(e.name ?? '') || /buffering timed out/.test(e.message ?? '')) return true;
  // The driver writing on a socket the server closed (the first moment of an outage).
  if (/socket has been ended by the other party/.test(e.message ?? '')) return true;
  return e.cause !== undefined && e.cause !== error && isDatabaseDown(e.cause);
}
