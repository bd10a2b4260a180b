import type { PlatformCredentials } from '../integrations/social/platform-credentials';
import { Injectable, NotFoundException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { AppConfig } from '../config/app-config';
import { POSTING_PLATFORMS, type PostingPlatform } from '../common/platforms';
import { SocialAccount, socialAccountId } from './social-account.schema';
import { TokenCipher } from './token-cipher';

export interface LinkedAccount {
  platform: PostingPlatform;
  externalId?: string;
  handle?: string;
  tokenHint: string;
  linkedAt: Date;
}

/** Platform tokens per user, encrypted at rest with TOKEN_ENCRYPTION_KEY; read by `_id` only. */
@Injectable()
export class SocialAccountsService {
  private readonly cipher: TokenCipher;

  constructor(
    @InjectModel(SocialAccount.name) private readonly model: Model<SocialAccount>,
    config: ConfigService<AppConfig, true>,
  ) {
    this.cipher = new TokenCipher(config.get('social', { infer: true }).tokenKey);
  }

  /** Links (or re-links) `platform` for `ownerId`; a re-link keeps the first linkedAt. */
  async link(
    ownerId: string,
    platform: PostingPlatform,
    token: string,
    details: { externalId?: string; handle?: string } = {},
  ): Promise<LinkedAccount> {
    const doc = await this.model
      .findOneAndUpdate(
        { _id: socialAccountId(ownerId, platform) },
        {
          $set: {
            ownerId,
            platform,
            tokenCiphertext: this.cipher.encrypt(token),
            tokenHint: `…${token.slice(-4)}`,
            ...details,
          },
        },
        { upsert: true, new: true },
      )
      .lean<SocialAccount>()
      .exec();
    return toLinked(doc);
  }

  /** One `_id` read per platform there is, sorted by platform. */
  async list(ownerId: string): Promise<LinkedAccount[]> {
    const docs = await Promise.all(POSTING_PLATFORMS.map((p) => this.find(ownerId, p)));
    return docs
      .filter((doc): doc is SocialAccount => doc !== null)
      .sort((a, b) => (a.platform < b.platform ? -1 : 1))
      .map(toLinked);
  }

  async unlink(ownerId: string, platform: PostingPlatform): Promise<void> {
    const { deletedCount } = await this.model.deleteOne({
      _id: socialAccountId(ownerId, platform),
    });
    if (deletedCount === 0) throw new NotFoundException(`No linked ${platform} account`);
  }

  /** Unlinks every platform (tokens included), one `_id` delete each; none linked is fine. */
  async unlinkAll(ownerId: string): Promise<void> {
    await Promise.all(
      POSTING_PLATFORMS.map((p) => this.model.deleteOne({ _id: socialAccountId(ownerId, p) })),
    );
  }

  async credentials(
    ownerId: string,
    platform: PostingPlatform,
  ): Promise<PlatformCredentials | undefined> {
    const doc = await this.find(ownerId, platform);
    return doc
      ? { token: this.cipher.decrypt(doc.tokenCiphertext), externalId: doc.externalId }
      : undefined;
  }

  private find(ownerId: string, platform: PostingPlatform): Promise<SocialAccount | null> {
    return this.model.findById(socialAccountId(ownerId, platform)).lean<SocialAccount>().exec();
  }
}

function toLinked(doc: SocialAccount): LinkedAccount {
  return {
    platform: doc.platform,
    externalId: doc.externalId,
    handle: doc.handle,
    tokenHint: doc.tokenHint,
    linkedAt: doc.createdAt,
  };
}
