import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection, Types } from 'mongoose';
import { isDuplicateKey, runOnce } from '../infra/mongo/one-time-migration';
import type { PostingPlatform } from '../common/platforms';
import { socialAccountId } from './social-account.schema';

interface OldAccount {
  _id: Types.ObjectId | string;
  ownerId: string;
  platform: PostingPlatform;
  /** Set while the document is being moved (see moveAccount). */
  movingOwnerId?: string;
  [field: string]: unknown;
}

/**
 * Upgrade from versions whose social accounts had ObjectId `_id`s: each becomes the keyed
 * document `${ownerId}:${platform}` with the same fields (createdAt too, so linkedAt stays).
 * Runs before the app serves (onModuleInit is awaited), in whichever process starts first.
 */
@Injectable()
export class SocialAccountsMigration implements OnModuleInit {
  private readonly logger = new Logger('Migrations');

  constructor(@InjectConnection() private readonly connection: Connection) {}

  onModuleInit(): Promise<void> {
    return runOnce(this.connection, 'social-accounts-keyed-v1', this.logger, () => this.moveAll());
  }

  private accounts() {
    return this.connection.collection<OldAccount>('social_accounts');
  }

  /** One scan; the keyed documents already there are skipped in code. */
  private async moveAll(): Promise<number> {
    let moved = 0;
    for await (const doc of this.accounts().find({})) {
      if (typeof doc._id === 'string') continue;
      await this.moveAccount(doc);
      moved++;
    }
    return moved;
  }

  /**
   * The unique {ownerId, platform} index refuses a copy while the original exists, and deleting
   * first could lose the account in a crash. So the original first gives up its ownerId (kept in
   * movingOwnerId, a value unique to it), then the copy is written, then the original deleted.
   * Each step is safe to repeat, whoever repeats it.
   */
  private async moveAccount(doc: OldAccount): Promise<void> {
    const { _id, movingOwnerId, ...fields } = doc;
    const ownerId = movingOwnerId ?? doc.ownerId;
    if (!movingOwnerId)
      await this.accounts().updateOne(
        { _id },
        { $set: { ownerId: `moving:${String(_id)}`, movingOwnerId: ownerId } },
      );
    try {
      await this.accounts().insertOne({
        ...fields,
        ownerId,
        _id: socialAccountId(ownerId, doc.platform),
      });
    } catch (error) {
      // Copied already (by an earlier run or another process).
      if (!isDuplicateKey(error)) throw error;
    }
    await this.accounts().deleteOne({ _id });
  }
}
