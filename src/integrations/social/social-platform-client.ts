import type { PostingPlatform } from '../../common/platforms';
import type { ProviderError } from '../http/provider-http';
import type { PlatformCredentials } from './platform-credentials';

export interface OutgoingPost {
  text: string;
  imageUrl?: string;
}

export interface PublishedRef {
  postId: string;
  url?: string;
}

/**
 * Whose limit a 429 is: the account's (its token's own quota: only that account waits) or the
 * app's (every account waits: the platform's breaker opens); and until when, when it says.
 */
export interface PlatformRateLimit {
  scope: 'account' | 'app';
  /** How long from now, from Retry-After or the platform's own reset headers. */
  waitMs?: number;
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
  /** Reads a 429 of this platform: whose limit, and for how long. */
  rateLimitOf(error: ProviderError): PlatformRateLimit;
}

export const SOCIAL_PLATFORM_CLIENTS = Symbol('SOCIAL_PLATFORM_CLIENTS');
