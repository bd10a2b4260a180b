import { Logger } from '@nestjs/common';
import type { RedisConfig } from '../../config/redis-config';
import { watchConnection } from './connection-watch';
import { createRedisClient, type RedisClient } from './redis-client';

/** Keys per announcement. */
const ANNOUNCE_CHUNK = 500;

export interface ProcessCopyOptions {
  /** The Redis channel changes are announced on. */
  channel: string;
  /** The longest an entry is trusted (0: the copy is never used, nothing is subscribed). */
  ttlMs: number;
  /** Entries kept at most; past it the oldest goes (Map order is insertion order). */
  kept: number;
  /** Names the subscriber's connection (`click-api:<name>`) and its log lines. */
  name: string;
}

interface Entry<V> {
  value: V;
  at: number;
}

/**
 * This process's copy of values that change seldom, kept true by a Redis channel: whoever changes
 * a value announces its key after the write (`changed`), and every process drops its copy on the
 * message. "At once" is the message's way through Redis: Redis hands it to every subscriber
 * before it answers the PUBLISH, so by the time the change's own call returns, each process has
 * it on its socket (a loopback round trip, well under a millisecond).
 *
 * The copy is used only while its subscription is up: connecting or reconnecting (a message may
 * have been missed meanwhile) `get` finds nothing, and the copy starts empty once subscribed
 * again. A value read while a change was announced is not kept (`mark` / `keep`), so a stale read
 * cannot outlive the message. `ttlMs` bounds an entry's age all the same (the one case it covers:
 * a process whose PUBLISH failed while the others' Redis link held).
 */
export class ProcessCopy<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly logger: Logger;
  private subscriber?: RedisClient;
  private subscribed = false;
  private generation = 0;

  constructor(
    private readonly publisher: RedisClient,
    private readonly redis: RedisConfig,
    private readonly options: ProcessCopyOptions,
  ) {
    this.logger = new Logger(options.name);
  }

  /** Whether the copy is in use (subscribed); if not, every read goes to the source. */
  get inUse(): boolean {
    return this.subscribed;
  }

  /** The kept value while it may be trusted, else undefined. */
  get(key: string, now = Date.now()): V | undefined {
    if (!this.subscribed) return undefined;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (now - entry.at < this.options.ttlMs) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  /** Taken before reading a value from its source: `keep` drops it if a change came since. */
  mark(): number {
    return this.generation;
  }

  keep(key: string, value: V, mark: number, at = Date.now()): void {
    if (!this.subscribed || mark !== this.generation) return;
    this.entries.delete(key);
    if (this.entries.size >= this.options.kept)
      this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, at });
  }

  /** After these keys' values were changed at their source: every process reads them again. */
  async changed(keys: string[]): Promise<void> {
    if (!keys.length) return;
    this.drop(keys);
    // An erase may change thousands at once: a message per few hundred, not one of megabytes.
    for (let i = 0; i < keys.length; i += ANNOUNCE_CHUNK)
      await this.publisher
        .publish(this.options.channel, JSON.stringify(keys.slice(i, i + ANNOUNCE_CHUNK)))
        .catch((error: Error) =>
          this.logger.warn(
            `change not announced (${error.message}); copies lapse in ${this.options.ttlMs} ms`,
          ),
        );
  }

  private drop(keys: string[]): void {
    this.generation++;
    for (const key of keys) this.entries.delete(key);
  }

  /** Subscribes on a connection of its own (not at all with a ttl of 0). */
  start(): void {
    if (this.options.ttlMs === 0 || this.subscriber) return;
    const subscriber = createRedisClient(this.redis, {
      name: `click-api:${this.options.name}`,
      patience: 'patient',
    });
    watchConnection(subscriber, this.options.name, this.logger);
    subscriber.on('message', (_channel: string, message: string) => this.drop(keysOf(message)));
    const lost = () => {
      this.subscribed = false;
      this.generation++;
      this.entries.clear();
    };
    subscriber.on('close', lost);
    subscriber.on('ready', () => {
      subscriber.subscribe(this.options.channel).then(
        () => {
          lost();
          this.subscribed = true;
        },
        () => undefined,
      );
    });
    this.subscriber = subscriber;
  }

  async stop(): Promise<void> {
    this.subscribed = false;
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }
}

/** A message names keys as a JSON array; an older process announced one bare key. */
function keysOf(message: string): string[] {
  if (!message.startsWith('[')) return [message];
  try {
    const keys: unknown = JSON.parse(message);
    return Array.isArray(keys) ? keys.map(String) : [];
  } catch {
    return [message];
  }
}
