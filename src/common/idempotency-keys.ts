/**
 * Where a user's Idempotency-Key answers live (`<base>:idem:<user>:<sha256 of the key>`, 24 h),
 * and the set naming them (`<base>:idem:<user>`, kept as long as its newest member), which the
 * erase reads instead of scanning the keyspace.
 */
export function idempotencyKeys(base: string, userId: string) {
  return {
    answer: (keyDigest: string) => `${base}:idem:${userId}:${keyDigest}`,
    index: `${base}:idem:${userId}`,
  };
}
