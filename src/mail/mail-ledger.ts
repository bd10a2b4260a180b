import { Injectable, Logger } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';

/** What a job's email became: `sending` before the SMTP exchange, `sent` after the server's 250. */
export interface MailLedgerEntry {
  _id: string;
  state: 'sending' | 'sent';
  messageId: string;
  accepted: string[];
  outboxFile?: string;
  updatedAt: Date;
}

const COLLECTION = 'mail_ledger';
/** How long a `sent` entry that MongoDB refuses is retried before the job gives up (ms). */
const SENT_RETRY_MS = 5 * 60_000;

/**
 * One entry per email job, keyed by the job id. A retry of a job whose message the server already
 * accepted finds `sent` and does not send again. The window that remains: a crash between the
 * server's 250 and the `sent` write; the retry then sends once more, with the same Message-ID.
 */
@Injectable()
export class MailLedger {
  private readonly logger = new Logger('MailLedger');

  constructor(@InjectConnection() private readonly connection: Connection) {}

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
   * The server accepted the message: this must land, or a retry would send it again. MongoDB
   * being away is waited out (up to five minutes), even past a cancel.
   */
  async sent(entry: Omit<MailLedgerEntry, 'state' | 'updatedAt'>) {
    const deadline = Date.now() + SENT_RETRY_MS;
    for (let wait = 500; ; wait = Math.min(wait * 2, 10_000)) {
      try {
        return await this.write({ ...entry, state: 'sent', updatedAt: new Date() });
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
  }

  private async write(entry: MailLedgerEntry): Promise<void> {
    await this.entries().replaceOne({ _id: entry._id }, entry, { upsert: true });
  }

  private entries() {
    return this.connection.collection<MailLedgerEntry>(COLLECTION);
  }
}
