import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectConnection } from '@nestjs/mongoose';
import type { RedisClient } from '../infra/redis/redis-client';
import type { Connection } from 'mongoose';
import type { AppConfig } from '../config/app-config';
import { REDIS_CLIENT } from '../infra/redis/redis.module';

/** What a job's email became: `sending` before the SMTP exchange, `sent` after the server's 250. */
export interface MailLedgerEntry {
  _id: string;
  state: 'sending' | 'sent';
  messageId: string;
  accepted: string[];
  outboxFile?: string;
  updatedAt: Date;
}

/** What the Redis mark keeps of a sent message: no address, nothing personal. */
export interface SentMark {
  messageId: string;
  outboxFile?: string;
}

const COLLECTION = 'mail_ledger';
/** A mark outlives any rerun of its job (failed jobs stay 7 days); normally gone in milliseconds. */
const MARK_TTL_SECONDS = 7 * 24 * 3600;
/** How long a `sent` entry that MongoDB refuses is retried before the job gives up (ms). */
const SENT_RETRY_MS = 5 * 60_000;

/**
 * One entry per email job, keyed by the job id. A retry of a job whose message the server already
 * accepted finds `sent` and does not send again. The MongoDB entry is the durable truth; a Redis
 * mark (`<prefix>:mail-sent:<jobId>`), written the moment the server's 250 arrives, covers the
 * MongoDB round trip to `sent`: a rerun that finds `sending` and the mark completes the entry
 * instead of sending. The window that remains: a crash between the 250 reaching this process and
 * the mark reaching Redis (one event-loop turn and a loopback write); the retry then sends once
 * more, with the same Message-ID.
 */
@Injectable()
export class MailLedger {
  private readonly logger = new Logger('MailLedger');
  private readonly markPrefix: string;

  constructor(
    @InjectConnection() private readonly connection: Connection,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    config: ConfigService<AppConfig, true>,
  ) {
    this.markPrefix = `${config.get('redisKeys', { infer: true }).base}:mail-sent:`;
  }

  async find(jobId: string): Promise<MailLedgerEntry | null> {
    return this.entries().findOne({ _id: jobId });
  }

  async sending(jobId: string, messageId: string): Promise<void> {
    await this.write({
      _id: jobId,
      state: 'sending',
      messageId,
      accepted: [],
      updatedAt: new Date(),
    });
  }

  /**
   * The server has just accepted the message: one Redis round trip, before the slower MongoDB
   * write. Never throws: without the mark, `sent()` still lands, only the window is wider.
   */
  async markSent(jobId: string, mark: SentMark): Promise<void> {
    const value = JSON.stringify({ messageId: mark.messageId, outboxFile: mark.outboxFile });
    await this.redis
      .set(this.markKey(jobId), value, 'EX', MARK_TTL_SECONDS)
      .catch((error: Error) =>
        this.logger.warn(`email of job ${jobId} sent, Redis mark not written: ${error.message}`),
      );
  }

  /** The mark of an attempt whose server said 250 (a `sending` entry's last word), if any. */
  async sentMark(jobId: string): Promise<SentMark | null> {
    const value = await this.redis.get(this.markKey(jobId));
    return value ? (JSON.parse(value) as SentMark) : null;
  }

  /**
   * The server accepted the message: this must land, or a retry would send it again. MongoDB
   * being away is waited out (up to five minutes), even past a cancel.
   */
  async sent(entry: Omit<MailLedgerEntry, 'state' | 'updatedAt'>) {
    const deadline = Date.now() + SENT_RETRY_MS;
    for (let wait = 500; ; wait = Math.min(wait * 2, 10_000)) {
      try {
        await this.write({ ...entry, state: 'sent', updatedAt: new Date() });
        // MongoDB holds it now: the mark has done its work (left alone, it expires).
        return await this.dropMark(entry._id);
      } catch (error) {
        if (Date.now() + wait > deadline) throw error;
        this.logger.warn(
          `email of job ${entry._id} sent, ledger not written yet: ${(error as Error).message}`,
        );
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  /** The attempt ended without sending anything: no entry, as if it never began. */
  async forget(jobId: string): Promise<void> {
    await this.entries().deleteOne({ _id: jobId });
    await this.dropMark(jobId);
  }

  private async dropMark(jobId: string): Promise<void> {
    await this.redis.del(this.markKey(jobId)).catch(() => undefined);
  }

  private markKey(jobId: string): string {
    return `${this.markPrefix}${jobId}`;
  }

  private async write(entry: MailLedgerEntry): Promise<void> {
    await this.entries().replaceOne({ _id: entry._id }, entry, { upsert: true });
  }

  private entries() {
    return this.connection.collection<MailLedgerEntry>(COLLECTION);
  }
}
