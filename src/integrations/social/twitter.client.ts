import type { SocialConfig } from '../../config/integrations-config';
import type { PlatformCredentials } from '../../social/social-accounts.service';
import { postJson } from '../http/provider-http';
import type { OutgoingPost, PublishedRef, SocialPlatformClient } from './social-platform-client';

interface CreateTweetResponse {
  data?: { id?: string; text?: string };
}

/** X (Twitter) API v2: POST /2/tweets with the user's OAuth 2.0 bearer token. */
export class TwitterClient implements SocialPlatformClient {
  readonly platform = 'twitter' as const;

  constructor(private readonly social: SocialConfig) {}

  async publish(
    credentials: PlatformCredentials,
    post: OutgoingPost,
    signal: AbortSignal,
  ): Promise<PublishedRef> {
    // Media upload needs the separate v1.1 upload API; an image is shared as a link when it fits.
    const withImage = post.imageUrl ? `${post.text}\n${post.imageUrl}` : post.text;
    const text = [...withImage].length <= 280 ? withImage : post.text;
    const response = await postJson<CreateTweetResponse>(
      'twitter',
      `${this.social.twitterBaseUrl}/2/tweets`,
      { text },
      {
        headers: { authorization: `Bearer ${credentials.token}` },
        timeoutMs: this.social.requestTimeoutMs,
        signal,
      },
    );
    const id = response.body?.data?.id;
    if (!id) throw new Error('twitter: answer without a tweet id');
    return { postId: id, url: `https://x.com/i/web/status/${id}` };
  }
}
