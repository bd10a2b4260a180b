import type { PostingPlatform } from '../../common/platforms';
import type { PlatformCredentials } from './platform-credentials';

export interface OutgoingPost {
  text: string;
  imageUrl?: string;
}

export interface PublishedRef {
  postId: string;
  url?: string;
}

/** Publishes one post to one platform as the account behind `credentials`. One adapter per platform. */
export interface SocialPlatformClient {
  readonly platform: PostingPlatform;
  publish(
    credentials: PlatformCredentials,
    post: OutgoingPost,
    signal: AbortSignal,
  ): Promise<PublishedRef>;
  /**
   * The account's post with exactly the text publish() would send, made at or after `since`, or
   * null if there is none: how an attempt that stopped mid-request learns whether it went out.
   * Throws (a ProviderError) when the platform cannot be asked.
   */
  findPublished(
    credentials: PlatformCredentials,
    post: OutgoingPost,
    since: Date,
    signal: AbortSignal,
  ): Promise<PublishedRef | null>;
}

export const SOCIAL_PLATFORM_CLIENTS = Symbol('SOCIAL_PLATFORM_CLIENTS');
