import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection, Types } from 'mongoose';
import { isDuplicateKey, runOnce, WRITE_CHUNK } from '../infra/mongo/one-time-migration';
import { emailKey, UserEmail } from './user-email.schema';

type EmailDoc = Omit<UserEmail, 'createdAt'> & { createdAt: Date };

/**
 * Upgrade from versions that found users by their `email` field: gives every user its
 * `user_emails` document. Runs in onModuleInit, which Nest awaits before the app listens and
 * before any onApplicationBootstrap (the admin bootstrap looks users up by email).
 */
@Injectable()
export class UserEmailsMigration implements OnModuleInit {
  private readonly logger = new Logger('Migrations');

  constructor(@InjectConnection() private readonly connection: Connection) {}

  onModuleInit(): Promise<void> {
    return runOnce(this.connection, 'user-emails-v1', this.logger, () => this.copyEmails());
  }

  /** One scan of `users`; an address already claimed is left as it is (idempotent). */
  private async copyEmails(): Promise<number> {
    const users = this.connection
      .collection<{ _id: Types.ObjectId; email: string; createdAt?: Date }>('users')
      .find({}, { projection: { email: 1, createdAt: 1 } });
    let batch: EmailDoc[] = [];
    let inserted = 0;
    for await (const user of users) {
      batch.push({
        _id: emailKey(user.email),
        userId: user._id.toHexString(),
        createdAt: user.createdAt ?? new Date(0),
      });
      if (batch.length === WRITE_CHUNK) {
        inserted += await this.insert(batch);
        batch = [];
      }
    }
    if (batch.length) inserted += await this.insert(batch);
    return inserted;
  }

  private async insert(docs: EmailDoc[]): Promise<number> {
    try {
      const result = await this.connection
        .collection<EmailDoc>('user_emails')
        .insertMany(docs, { ordered: false });
      return result.insertedCount;
    } catch (error) {
      const bulk = error as { writeErrors?: unknown; result?: { insertedCount?: number } };
      const errors = [bulk.writeErrors ?? error].flat();
      if (!errors.every(isDuplicateKey)) throw error;
      return bulk.result?.insertedCount ?? 0;
    }
  }
}
