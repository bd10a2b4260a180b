import type { SocialConfig } from '../../config/integrations-config';
import type { PlatformCredentials } from './platform-credentials';
import { getJson, postJson, type ProviderError } from '../http/provider-http';
import { sameText } from './same-text';
import type {
  OutgoingPost,
  PlatformRateLimit,
  PublishedRef,
  SocialPlatformClient,
} from './social-platform-client';

interface CreateTweetResponse {
  data?: { id?: string; text?: string };
}

interface TimelineResponse {
  data?: { id?: string; text?: string; created_at?: string }[];
  meta?: { next_token?: string };
}

/** Pages of 100 read at most when looking for an earlier attempt's tweet. */
const MAX_PAGES = 10;

/** X (Twitter) API v2: POST /2/tweets with the user's OAuth 2.0 bearer token. */
export class TwitterClient implements SocialPlatformClient {
  readonly platform = 'twitter' as const;

  constructor(private readonly social: SocialConfig) {}

  async publish(
    credentials: PlatformCredentials,
    post: OutgoingPost,
    signal: AbortSignal,
  ): Promise<PublishedRef> {
    const response = await postJson<CreateTweetResponse>(
      'twitter',
      `${this.social.twitterBaseUrl}/2/tweets`,
      { text: tweetText(post) },
      this.options(credentials, signal),
    );
    const id = response.body?.data?.id;
    if (!id) throw new Error('twitter: answer without a tweet id');
    return tweetRef(id);
  }

  /**
   * X says whose limit it is: `x-app-limit-24hour-remaining: 0` is the app's daily cap (every
   * user waits); otherwise it is the user's (`x-user-limit-24hour-*`) or the endpoint's 15-minute
   * window for this token (`x-rate-limit-*`). Resets are epoch seconds; the latest one applies.
   */
  rateLimitOf(error: ProviderError, now = Date.now()): PlatformRateLimit {
    const header = (name: string) => error.headers?.get(name) ?? null;
    const untilReset = (name: string) => {
      const at = Number(header(name));
      return header(name) !== null && Number.isFinite(at) ? Math.max(0, at * 1000 - now) : 0;
    };
    if (header('x-app-limit-24hour-remaining') === '0')
      return {
        scope: 'app',
        waitMs:
          Math.max(error.retryAfterMs ?? 0, untilReset('x-app-limit-24hour-reset')) || undefined,
      };
    const userCap = header('x-user-limit-24hour-remaining') === '0';
    const waitMs = Math.max(
      error.retryAfterMs ?? 0,
      userCap ? untilReset('x-user-limit-24hour-reset') : 0,
      header('x-rate-limit-remaining') === '0' ? untilReset('x-rate-limit-reset') : 0,
    );
    return { scope: 'account', waitMs: waitMs || undefined };
  }

  /** GET /2/users/:id/tweets from `since` (the user id from the account, else GET /2/users/me). */
  async findPublished(
    credentials: PlatformCredentials,
    post: OutgoingPost,
    since: Date,
    signal: AbortSignal,
  ): Promise<PublishedRef | null> {
    const base = this.social.twitterBaseUrl;
    const userId =
      credentials.externalId ??
      (
        await getJson<{ data?: { id?: string } }>(
          'twitter',
          `${base}/2/users/me`,
          this.options(credentials, signal),
        )
      ).body?.data?.id;
    if (!userId) throw new Error('twitter: could not tell which account the token belongs to');
    const text = tweetText(post);
    let next: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const query = new URLSearchParams({
        start_time: since.toISOString(),
        max_results: '100',
        'tweet.fields': 'created_at',
      });
      if (next) query.set('pagination_token', next);
      const timeline = await getJson<TimelineResponse>(
        'twitter',
        `${base}/2/users/${encodeURIComponent(userId)}/tweets?${query.toString()}`,
        this.options(credentials, signal),
      );
      const found = timeline.body?.data?.find((t) => t.id && sameText(text, t.text ?? ''));
      if (found) return tweetRef(found.id!);
      next = timeline.body?.meta?.next_token;
      if (!next) return null;
    }
    // Not found in the pages read, but not all were read: the answer is not known.
    throw new Error(`twitter: more than ${MAX_PAGES * 100} tweets to search`);
  }

  private options(credentials: PlatformCredentials, signal: AbortSignal) {
    return {
      headers: { authorization: `Bearer ${credentials.token}` },
      timeoutMs: this.social.requestTimeoutMs,
      signal,
    };
  }
}

/** Media upload needs the separate v1.1 upload API; an image is shared as a link when it fits. */
function tweetText(post: OutgoingPost): string {
  const withImage = post.imageUrl ? `${post.text}\n${post.imageUrl}` : post.text;
  return [...withImage].length <= 280 ? withImage : post.text;
}

function tweetRef(id: string): PublishedRef {
  return { postId: id, url: `https://x.com/i/web/status/${id}` };
}
