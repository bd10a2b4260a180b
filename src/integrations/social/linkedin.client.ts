import type { SocialConfig } from '../../config/integrations-config';
import type { PlatformCredentials } from './platform-credentials';
import { getJson, postJson, ProviderRefusal, type ProviderError } from '../http/provider-http';
import { toLittleText } from './little-text';
import { sameText } from './same-text';
import type {
  OutgoingPost,
  PlatformRateLimit,
  PublishedRef,
  SocialPlatformClient,
} from './social-platform-client';

const PAGE_SIZE = 50;
/** Pages read at most when looking for an earlier attempt's post. */
const MAX_PAGES = 20;

/** LinkedIn Posts API: POST /rest/posts as the member (urn:li:person:…) the token belongs to. */
export class LinkedInClient implements SocialPlatformClient {
  readonly platform = 'linkedin' as const;

  constructor(private readonly social: SocialConfig) {}

  /**
   * LinkedIn throttles per member and per application without saying which in its answer: read
   * as the member's; many members limited at once is what shows an application limit (the
   * publisher opens the breaker then, SOCIAL_APP_LIMIT_ACCOUNTS).
   */
  rateLimitOf(error: ProviderError): PlatformRateLimit {
    return { scope: 'account', waitMs: error.retryAfterMs };
  }

  async publish(
    credentials: PlatformCredentials,
    post: OutgoingPost,
    signal: AbortSignal,
  ): Promise<PublishedRef> {
    const author = authorOf(credentials);
    const response = await postJson<unknown>(
      'linkedin',
      `${this.social.linkedinBaseUrl}/rest/posts`,
      {
        author,
        commentary: commentaryOf(post),
        visibility: 'PUBLIC',
        distribution: {
          feedDistribution: 'MAIN_FEED',
          targetEntities: [],
          thirdPartyDistributionChannels: [],
        },
        lifecycleState: 'PUBLISHED',
        isReshareDisabledByAuthor: false,
      },
      this.options(credentials, signal),
    );
    const id = response.headers.get('x-restli-id');
    if (!id) throw new Error('linkedin: answer without an x-restli-id header');
    return postRef(id);
  }

  /** GET /rest/posts?q=author: the author's latest posts, matched on the commentary and time. */
  async findPublished(
    credentials: PlatformCredentials,
    post: OutgoingPost,
    since: Date,
    signal: AbortSignal,
  ): Promise<PublishedRef | null> {
    const commentary = commentaryOf(post);
    for (let page = 0; page < MAX_PAGES; page++) {
      const query = new URLSearchParams({
        q: 'author',
        author: authorOf(credentials),
        count: String(PAGE_SIZE),
        start: String(page * PAGE_SIZE),
      });
      const response = await getJson<{
        elements?: { id?: string; commentary?: string; createdAt?: number }[];
      }>(
        'linkedin',
        `${this.social.linkedinBaseUrl}/rest/posts?${query.toString()}`,
        this.options(credentials, signal),
      );
      const elements = response.body?.elements ?? [];
      const found = elements.find(
        (p) =>
          p.id && sameText(commentary, p.commentary ?? '') && (p.createdAt ?? 0) >= since.getTime(),
      );
      if (found) return postRef(found.id!);
      // Newest first: a short page, or one reaching back before `since`, ends the search.
      const oldest = elements[elements.length - 1]?.createdAt ?? 0;
      if (elements.length < PAGE_SIZE || oldest < since.getTime()) return null;
    }
    throw new Error(`linkedin: more than ${MAX_PAGES * PAGE_SIZE} posts to search`);
  }

  private options(credentials: PlatformCredentials, signal: AbortSignal) {
    return {
      headers: {
        authorization: `Bearer ${credentials.token}`,
        'linkedin-version': this.social.linkedinVersion,
        'x-restli-protocol-version': '2.0.0',
      },
      timeoutMs: this.social.requestTimeoutMs,
      signal,
    };
  }
}

function authorOf(credentials: PlatformCredentials): string {
  if (!credentials.externalId)
    throw new ProviderRefusal('linkedin', 'the linked account has no author URN (externalId)');
  return credentials.externalId;
}

/** The post as LinkedIn's commentary (little text, see toLittleText); at most 3,000 characters. */
function commentaryOf(post: OutgoingPost): string {
  const withImage = post.imageUrl ? `${post.text}\n\n${post.imageUrl}` : post.text;
  const commentary = toLittleText(withImage);
  return [...commentary].length <= 3000 ? commentary : toLittleText(post.text);
}

function postRef(id: string): PublishedRef {
  return { postId: id, url: `https://www.linkedin.com/feed/update/${id}` };
}
