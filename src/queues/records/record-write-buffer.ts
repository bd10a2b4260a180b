import { Logger } from '@nestjs/common';
import type { AnyBulkWriteOperation, Model } from 'mongoose';
import { JobRecord, UNFINISHED_STATES } from './job-record.schema';

export interface RecordUpdate {
  set: Record<string, unknown>;
  /** `unfinished`: apply only while the record is not finished (stale events never undo an end). */
  guard: 'unfinished' | 'any';
  /** Fields for a record that does not exist yet (a job that reached Redis some other way). */
  insert?: Record<string, unknown>;
}

const MAX_BACKOFF_MS = 5000;

/**
 * Write-behind buffer for record updates that come from worker events. Updates to the same job
 * are merged (only its latest state matters) and written in one unordered bulkWrite every
 * `flushMs`: one round trip per batch instead of several per job. If MongoDB is away, the batch
 * is kept and retried; the reconciler repairs anything lost in a crash.
 */
export class RecordWriteBuffer {
  private pending = new Map<string, RecordUpdate>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private failures = 0;
  private closed = false;
  private readonly logger = new Logger('JobRecords');

  constructor(
    private readonly model: Model<JobRecord>,
    private readonly flushMs: number,
    private readonly maxBatch = 1000,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  add(jobId: string, update: RecordUpdate): void {
    const previous = this.pending.get(jobId);
    this.pending.set(jobId, previous ? merge(previous, update) : update);
    if (this.pending.size >= this.maxBatch) void this.flush();
    else this.schedule(this.flushMs);
  }

  /** Writes everything buffered so far; resolves when it is in MongoDB (or failed and re-buffered). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.running) await this.running;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.running = this.write(batch).finally(() => (this.running = undefined));
    await this.running;
  }

  /** Last flush at shutdown; nothing is retried after it (the reconciler repairs what is lost). */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    if (!this.timer && !this.closed) this.timer = setTimeout(() => void this.flush(), delayMs);
  }

  private async write(batch: Map<string, RecordUpdate>): Promise<void> {
    const entries = [...batch];
    const operations: AnyBulkWriteOperation<JobRecord>[] = entries.map(([jobId, u]) => ({
      updateOne: {
        filter:
          u.guard === 'any' ? { _id: jobId } : { _id: jobId, state: { $in: UNFINISHED_STATES } },
        update: u.insert
          ? { $set: u.set, $setOnInsert: withoutKeysOf(u.insert, u.set) }
          : { $set: u.set },
        upsert: u.insert !== undefined,
      },
    }));
    try {
      await this.model.bulkWrite(operations, { ordered: false });
      if (this.failures > 0)
        this.logger.log(`record writes resumed after ${this.failures} failed attempt(s)`);
      this.failures = 0;
    } catch (error) {
      const writeErrors = (error as { writeErrors?: { index: number; errmsg?: string }[] })
        .writeErrors;
      if (writeErrors?.length) {
        // The server took the batch but refused some updates: retrying cannot help those, and the
        // others are written. The reconciler repairs the refused records from Redis.
        for (const e of writeErrors)
          this.logger.warn(
            `record ${entries[e.index]?.[0]} not updated: ${e.errmsg ?? 'write error'}`,
          );
        return;
      }
      // MongoDB unreachable: keep the batch; newer updates buffered meanwhile win over it.
      for (const [jobId, update] of batch) {
        const newer = this.pending.get(jobId);
        this.pending.set(jobId, newer ? merge(update, newer) : update);
      }
      if (this.failures === 0)
        this.logger.warn(`record writes failing, will retry: ${(error as Error).message}`);
      this.failures++;
      this.schedule(Math.min(this.flushMs * 2 ** this.failures, MAX_BACKOFF_MS));
    }
  }
}

function merge(older: RecordUpdate, newer: RecordUpdate): RecordUpdate {
  return {
    set: { ...older.set, ...newer.set },
    guard: newer.guard,
    insert: newer.insert ?? older.insert,
  };
}

/** $setOnInsert may not name a field that $set also names. */
function withoutKeysOf(
  fields: Record<string, unknown>,
  other: Record<string, unknown>,
): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([key]) => !(key in other)));
}
