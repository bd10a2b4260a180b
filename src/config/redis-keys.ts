/**
 * Where keys live. On one node (or a Sentinel-watched master) every key is `<prefix>:…`, as it
 * always was. On a Redis Cluster a Lua script or MULTI may touch keys of one hash slot only, so
 * keys carry a hash tag (the part in `{…}` is what is hashed):
 * - each queue's BullMQ keys and the product keys its scripts read with them (fair-share turns)
 *   share the queue's tag, `<prefix>:{<queue>}:…`: the six queues spread over the masters;
 * - every other product key shares one tag, `{<prefix>}:…`: indexes, breakers, failure groups,
 *   the event stream, locks. One master holds them all (see docs/operations.md, Redis Cluster).
 */
export interface RedisKeys {
  /** Base of the product's own keys and channels. */
  base: string;
  /** BullMQ's `prefix` for `queue`. */
  bullPrefix(queue: string): string;
  /** A product key read or written in one script with `queue`'s BullMQ keys. */
  besideQueue(family: string, queue: string): string;
}

export function redisKeys(prefix: string, clustered: boolean): RedisKeys {
  if (!clustered)
    return {
      base: prefix,
      bullPrefix: () => prefix,
      besideQueue: (family, queue) => `${prefix}:${family}:${queue}`,
    };
  return {
    base: `{${prefix}}`,
    bullPrefix: (queue) => `${prefix}:{${queue}}`,
    besideQueue: (family, queue) => `${prefix}:{${queue}}:${family}`,
  };
}

/** Patterns (SCAN MATCH) covering every key of a deployment, in either layout. */
export function keyPatterns(prefix: string, clustered: boolean): string[] {
  return clustered ? [`{${prefix}}:*`, `${prefix}:*`] : [`${prefix}:*`];
}
