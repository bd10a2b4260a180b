import type { PostingPlatform } from '../../content/platforms';
import type { PlatformCredentials } from '../../social/social-accounts.service';

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
}

export const SOCIAL_PLATFORM_CLIENTS = Symbol('SOCIAL_PLATFORM_CLIENTS');
