import { createHmac, randomBytes } from 'node:crypto';

const TTL_MS = 60_000;
const MAX_ENTRIES = 1_000;

/**
 * Remembers for a minute which Basic header was checked against which user, so the board's polling
 * (every few seconds, several requests at once) does not run the slow password KDF each time.
 *
 * Keys are an HMAC of the header under a key that lives only in this process: neither the password
 * nor anything it could be guessed from offline is kept. Only the user id is cached, never the
 * role: callers load the user on every request, so a demoted or deleted admin loses access at once.
 * Concurrent first requests with the same header share one verification.
 */
export class VerifiedPasswordsCache {
  private readonly key = randomBytes(32);
  private readonly verified = new Map<string, { userId: string; expiresAt: number }>();
  private readonly pending = new Map<string, Promise<string | null>>();

  constructor(
    private readonly ttlMs = TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The user id this header was verified for, if that happened within the TTL. */
  lookup(header: string): string | undefined {
    const id = this.id(header);
    const hit = this.verified.get(id);
    if (!hit) return undefined;
    if (hit.expiresAt > this.now()) return hit.userId;
    this.verified.delete(id);
    return undefined;
  }

  /** Runs `verify` (at most once at a time per header) and remembers a success. */
  verifyOnce(header: string, verify: () => Promise<string | null>): Promise<string | null> {
    const id = this.id(header);
    const running = this.pending.get(id);
    if (running) return running;
    const run = verify()
      .then((userId) => {
        if (userId) this.remember(id, userId);
        return userId;
      })
      .finally(() => this.pending.delete(id));
    this.pending.set(id, run);
    return run;
  }

  private remember(id: string, userId: string): void {
    const now = this.now();
    if (this.verified.size >= MAX_ENTRIES) {
      for (const [key, entry] of this.verified)
        if (entry.expiresAt <= now) this.verified.delete(key);
      // Still full: drop the oldest (a Map iterates in insertion order).
      if (this.verified.size >= MAX_ENTRIES)
        this.verified.delete(this.verified.keys().next().value!);
    }
    this.verified.set(id, { userId, expiresAt: now + this.ttlMs });
  }

  private id(header: string): string {
    return createHmac('sha256', this.key).update(header).digest('base64url');
  }
}
