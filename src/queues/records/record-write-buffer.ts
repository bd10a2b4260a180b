import { Logger } from '@nestjs/common';
import type { Model, mongo } from 'mongoose';
import type { JobRecord } from './job-record.schema';

/**
 * One job's pending change. Events of a job come from the worker that runs it, in order, and
 * flushes are serialized, so the last write is always the newest state.
 */
export interface RecordUpdate {
  set: Record<string, unknown>;
  /** Fields for a record that does not exist yet (a job that reached Redis some other way). */
  insert?: Record<string, unknown>;
}

const MAX_BACKOFF_MS = 5000;
/** Statements per bulkWrite. FerretDB v1 (SQLite) hangs on an update command with 100 or more. */
const CHUNK = 50;

/**
 * Write-behind buffer for record updates that come from worker events. Updates to the same job
 * are merged (only its latest state matters; a quick job's active + completed become one write)
 * and written in unordered bulkWrites every `flushMs`. If MongoDB is away, updates are kept and
 * retried; the reconciler repairs anything lost in a crash. When MongoDB is slower than the queue,
 * waitForRoom() holds workers back so the records never fall more than `highWater` jobs behind.
 */
export class RecordWriteBuffer {
  private pending = new Map<string, RecordUpdate>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private failures = 0;
  private closed = false;
  private roomWaiters: (() => void)[] = [];
  private readonly logger = new Logger('JobRecords');

  constructor(
    private readonly model: Model<JobRecord>,
    private readonly flushMs: number,
    private readonly highWater = 10_000,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  add(jobId: string, update: RecordUpdate): void {
    const previous = this.pending.get(jobId);
    this.pending.set(jobId, previous ? merge(previous, update) : update);
    this.schedule(this.flushMs);
  }

  /** Resolves at once below the high-water mark; above it, once the buffer has drained to half. */
  waitForRoom(): Promise<void> {
    if (this.pending.size < this.highWater) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Writes everything buffered so far; resolves when it is in MongoDB (or failed and kept). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.running) await this.running;
    if (this.pending.size > 0) {
      const batch = this.pending;
      this.pending = new Map();
      this.running = this.write([...batch]).finally(() => (this.running = undefined));
      await this.running;
    }
    if (this.pending.size < this.highWater / 2)
      for (const wake of this.roomWaiters.splice(0)) wake();
    // Updates that arrived while writing go out next (a failure has already set its backoff timer).
    if (this.pending.size > 0) this.schedule(0);
  }

  /** Last flush at shutdown; nothing is retried after it (the reconciler repairs what is lost). */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    clearTimeout(this.timer);
    for (const wake of this.roomWaiters.splice(0)) wake();
  }

  private schedule(delayMs: number): void {
    if (!this.timer && !this.closed) this.timer = setTimeout(() => void this.flush(), delayMs);
  }

  private async write(entries: [string, RecordUpdate][]): Promise<void> {
    for (let i = 0; i < entries.length; i += CHUNK) {
      if (!(await this.writeChunk(entries.slice(i, i + CHUNK)))) {
        this.keep(entries.slice(i + CHUNK));
        return;
      }
    }
  }

  /** False when MongoDB could not be reached (the chunk is kept for a later try). */
  private async writeChunk(entries: [string, RecordUpdate][]): Promise<boolean> {
    // The driver's collection, not the model: the values already have their schema types, and
    // mongoose's per-operation casting costs more than the write itself on a busy worker.
    const collection = this.model.collection as unknown as mongo.Collection<{ _id: string }>;
    try {
      const result = await collection.bulkWrite(
        entries.map(([jobId, u]) => ({
          updateOne: { filter: { _id: jobId }, update: { $set: u.set } },
        })),
        { ordered: false },
      );
      // Rare: a job that reached Redis without a record. Only then send the (larger) upserts.
      if (result.matchedCount < entries.length) {
        const inserts = entries.filter(([, u]) => u.insert);
        if (inserts.length) {
          await collection.bulkWrite(
            inserts.map(([jobId, u]) => ({
              updateOne: {
                filter: { _id: jobId },
                update: { $set: u.set, $setOnInsert: withoutKeysOf(u.insert!, u.set) },
                upsert: true,
              },
            })),
            { ordered: false },
          );
        }
      }
      if (this.failures > 0)
        this.logger.log(`record writes resumed after ${this.failures} failed attempt(s)`);
      this.failures = 0;
      return true;
    } catch (error) {
      const writeErrors = (error as { writeErrors?: { index: number; errmsg?: string }[] })
        .writeErrors;
      if (writeErrors?.length) {
        // The server took the chunk but refused some updates: retrying cannot help those, and the
        // others are written. The reconciler repairs the refused records from Redis.
        for (const e of writeErrors)
          this.logger.warn(
            `record ${entries[e.index]?.[0]} not updated: ${e.errmsg ?? 'write error'}`,
          );
        return true;
      }
      this.keep(entries);
      if (this.failures === 0)
        this.logger.warn(`record writes failing, will retry: ${(error as Error).message}`);
      this.failures++;
      this.schedule(Math.min(this.flushMs * 2 ** this.failures, MAX_BACKOFF_MS));
      return false;
    }
  }

  /** Puts unwritten updates back; newer updates buffered meanwhile win over them. */
  private keep(entries: [string, RecordUpdate][]): void {
    for (const [jobId, update] of entries) {
      const newer = this.pending.get(jobId);
      this.pending.set(jobId, newer ? merge(update, newer) : update);
    }
  }
}

function merge(older: RecordUpdate, newer: RecordUpdate): RecordUpdate {
  return { set: { ...older.set, ...newer.set }, insert: newer.insert ?? older.insert };
}

/** $setOnInsert may not name a field that $set also names. */
function withoutKeysOf(
  fields: Record<string, unknown>,
  other: Record<string, unknown>,
): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([key]) => !(key in other)));
}
