import { DUPLICATE_KEY } from '../../infra/mongo/duplicate-key';
import { Logger } from '@nestjs/common';
import type { Model, mongo } from 'mongoose';
import type { JobRecord } from './job-record.schema';

/** A job's whole final record, written in one go. */
export type FinalRecord = Omit<JobRecord, 'checkedAt'>;

const MAX_BACKOFF_MS = 5000;
/** Records per insert: FerretDB spends ~65 µs of CPU per record at 500, ~80 at 50. */
const CHUNK = 500;
/** Statements per replace. FerretDB v1 (SQLite) hangs on an update command with 100 or more. */
const REPLACE_CHUNK = 50;

export interface BufferHooks {
  /** Hears which records are in MongoDB now. */
  onDurable: (records: FinalRecord[]) => Promise<void>;
  /** Records buffered beyond which waitForRoom() holds workers back (10,000). */
  highWater?: number;
  /** Hears how long each successful batch write took (seconds). */
  observeFlush?: (seconds: number) => void;
  /** The records still to be written: those of erased owners are dropped (see ErasedOwners). */
  keep?: (records: FinalRecord[]) => Promise<FinalRecord[]>;
  /** Hears the ids of records that replaced existing ones (a retried job's new end). */
  onReplaced?: (jobIds: string[]) => Promise<void>;
}

/**
 * Write-behind buffer for finished jobs' records: each job's record is written once, whole, when
 * it ends, batched with other jobs' (an insertMany of 500 costs FerretDB a fraction of 500 updates).
 * A record that exists already (a retried job, an older version's record) is replaced instead.
 * If MongoDB is away, records are kept and retried; `onDurable` hears which ones are written, and
 * the reconciler writes from Redis whatever a crash lost. When MongoDB is slower than the queue,
 * waitForRoom() holds workers back so the records never fall more than `highWater` jobs behind.
 */
export class RecordWriteBuffer {
  private pending = new Map<string, FinalRecord>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private failures = 0;
  private closed = false;
  private roomWaiters: (() => void)[] = [];
  private readonly logger = new Logger('JobRecords');

  private readonly onDurable: (records: FinalRecord[]) => Promise<void>;
  private readonly highWater: number;
  private readonly observeFlush: (seconds: number) => void;
  private readonly keep: (records: FinalRecord[]) => Promise<FinalRecord[]>;
  private readonly onReplaced: (jobIds: string[]) => Promise<void>;

  constructor(
    private readonly model: Model<JobRecord>,
    private readonly flushMs: number,
    hooks: BufferHooks,
  ) {
    this.onDurable = hooks.onDurable;
    this.highWater = hooks.highWater ?? 10_000;
    this.observeFlush = hooks.observeFlush ?? (() => undefined);
    this.keep = hooks.keep ?? ((r) => Promise.resolve(r));
    this.onReplaced = hooks.onReplaced ?? (() => Promise.resolve());
  }

  get size(): number {
    return this.pending.size;
  }

  add(record: FinalRecord): void {
    this.pending.set(record._id, record);
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
      const batch = [...this.pending.values()];
      this.pending = new Map();
      this.running = this.write(batch).finally(() => (this.running = undefined));
      await this.running;
    }
    if (this.pending.size < this.highWater / 2)
      for (const wake of this.roomWaiters.splice(0)) wake();
    // Records that arrived while writing go out next (a failure has already set its backoff timer).
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

  private async write(batch: FinalRecord[]): Promise<void> {
    // Asked right before the insert, so a record of an owner erased meanwhile is not written
    // back. If Redis cannot say, the records are written (the erase needs Redis too).
    const records = await this.keep(batch).catch(() => batch);
    for (let i = 0; i < records.length; i += CHUNK) {
      const started = process.hrtime.bigint();
      const written = await this.writeChunk(records.slice(i, i + CHUNK));
      if (written) this.observeFlush(Number(process.hrtime.bigint() - started) / 1e9);
      if (!written) {
        this.putBack(records.slice(i));
        return;
      }
      await this.onDurable(written).catch((e: Error) =>
        // Only the reconciler's bookkeeping: it will look at these jobs once more, harmlessly.
        this.logger.warn(`records written, index not told: ${e.message}`),
      );
    }
  }

  /** The records now in MongoDB, or false when MongoDB could not be reached (kept for later). */
  private async writeChunk(records: FinalRecord[]): Promise<FinalRecord[] | false> {
    // The driver's collection, not the model: the values already have their schema types, and
    // mongoose's per-document casting costs more than the write itself on a busy worker.
    const collection = this.model.collection as unknown as mongo.Collection<FinalRecord>;
    const rejected = new Set<number>();
    try {
      let existing: FinalRecord[] = [];
      try {
        await collection.insertMany(records, { ordered: false });
      } catch (error) {
        const refused = writeErrorsOf(error);
        if (!refused) throw error;
        const duplicates = new Set(
          refused.filter((e) => e.code === DUPLICATE_KEY).map((e) => e.index),
        );
        for (const e of refused.filter((e) => e.code !== DUPLICATE_KEY)) {
          // Refused for good (a value the server cannot store): not reported durable, so the job
          // stays with the reconciler, which will try again from Redis and say so each time.
          this.logger.error(`record ${records[e.index]?._id} refused: ${e.errmsg ?? 'error'}`);
          rejected.add(e.index);
        }
        existing = records.filter((_, i) => duplicates.has(i));
      }
      for (let i = 0; i < existing.length; i += REPLACE_CHUNK)
        await collection.bulkWrite(
          existing.slice(i, i + REPLACE_CHUNK).map((r) => ({
            replaceOne: { filter: { _id: r._id }, replacement: r, upsert: true },
          })),
          { ordered: false },
        );
      if (existing.length) await this.onReplaced(existing.map((r) => r._id));
      if (this.failures > 0)
        this.logger.log(`record writes resumed after ${this.failures} failed attempt(s)`);
      this.failures = 0;
      return records.filter((_, i) => !rejected.has(i));
    } catch (error) {
      if (this.failures === 0)
        this.logger.warn(`record writes failing, will retry: ${(error as Error).message}`);
      this.failures++;
      this.schedule(Math.min(this.flushMs * 2 ** this.failures, MAX_BACKOFF_MS));
      return false;
    }
  }

  /** Puts unwritten records back; newer ones buffered meanwhile win over them. */
  private putBack(records: FinalRecord[]): void {
    for (const record of records)
      if (!this.pending.has(record._id)) this.pending.set(record._id, record);
  }
}

type WriteError = { index: number; code?: number; errmsg?: string };

/** The per-document errors of a bulk write the server took (undefined for a connection error). */
function writeErrorsOf(error: unknown): WriteError[] | undefined {
  const errors = (error as { writeErrors?: WriteError | WriteError[] }).writeErrors;
  if (!errors) return undefined;
  return Array.isArray(errors) ? errors : [errors];
}
