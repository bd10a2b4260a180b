import { Injectable, NotFoundException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { AppConfig } from '../config/app-config';
import type { PostingPlatform } from '../content/platforms';
import { SocialAccount } from './social-account.schema';
import { TokenCipher } from './token-cipher';

export interface LinkedAccount {
  platform: PostingPlatform;
  externalId?: string;
  handle?: string;
  tokenHint: string;
  linkedAt: Date;
}

export interface PlatformCredentials {
  token: string;
  externalId?: string;
}

/** Platform tokens per user, encrypted at rest with TOKEN_ENCRYPTION_KEY. */
@Injectable()
export class SocialAccountsService {
  private readonly cipher: TokenCipher;

  constructor(
    @InjectModel(SocialAccount.name) private readonly model: Model<SocialAccount>,
    config: ConfigService<AppConfig, true>,
  ) {
    this.cipher = new TokenCipher(config.get('social', { infer: true }).tokenKey);
  }

  /** Links (or re-links) `platform` for `ownerId`. */
  async link(
    ownerId: string,
    platform: PostingPlatform,
    token: string,
    details: { externalId?: string; handle?: string } = {},
  ): Promise<LinkedAccount> {
    const doc = await this.model
      .findOneAndUpdate(
        { ownerId, platform },
        {
          $set: {
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

  async list(ownerId: string): Promise<LinkedAccount[]> {
    const docs = await this.model
      .find({ ownerId })
      .sort({ platform: 1 })
      .lean<SocialAccount[]>()
      .exec();
    return docs.map(toLinked);
  }

  async unlink(ownerId: string, platform: PostingPlatform): Promise<void> {
    const { deletedCount } = await this.model.deleteOne({ ownerId, platform });
    if (deletedCount === 0) throw new NotFoundException(`No linked ${platform} account`);
  }

  async credentials(
    ownerId: string,
    platform: PostingPlatform,
  ): Promise<PlatformCredentials | undefined> {
    const doc = await this.model.findOne({ ownerId, platform }).lean<SocialAccount>().exec();
    return doc
      ? { token: this.cipher.decrypt(doc.tokenCiphertext), externalId: doc.externalId }
      : undefined;
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
