import type { SocialConfig } from '../../config/integrations-config';
import { PermanentJobError } from '../../queues/kernel/job-errors';
import type { PlatformCredentials } from '../../social/social-accounts.service';
import { postJson } from '../http/provider-http';
import type { OutgoingPost, PublishedRef, SocialPlatformClient } from './social-platform-client';

/** LinkedIn Posts API: POST /rest/posts as the member (urn:li:person:…) the token belongs to. */
export class LinkedInClient implements SocialPlatformClient {
  readonly platform = 'linkedin' as const;

  constructor(private readonly social: SocialConfig) {}

  async publish(
    credentials: PlatformCredentials,
    post: OutgoingPost,
    signal: AbortSignal,
  ): Promise<PublishedRef> {
    if (!credentials.externalId)
      throw new PermanentJobError('linkedin: the linked account has no author URN (externalId)');
    const commentary = post.imageUrl ? `${post.text}\n\n${post.imageUrl}` : post.text;
    const response = await postJson<unknown>(
      'linkedin',
      `${this.social.linkedinBaseUrl}/rest/posts`,
      {
        author: credentials.externalId,
        commentary: [...commentary].length <= 3000 ? commentary : post.text,
        visibility: 'PUBLIC',
        distribution: {
          feedDistribution: 'MAIN_FEED',
          targetEntities: [],
          thirdPartyDistributionChannels: [],
        },
        lifecycleState: 'PUBLISHED',
        isReshareDisabledByAuthor: false,
      },
      {
        headers: {
          authorization: `Bearer ${credentials.token}`,
          'linkedin-version': this.social.linkedinVersion,
          'x-restli-protocol-version': '2.0.0',
        },
        timeoutMs: this.social.requestTimeoutMs,
        signal,
      },
    );
    const id = response.headers.get('x-restli-id');
    if (!id) throw new Error('linkedin: answer without an x-restli-id header');
    return { postId: id, url: `https://www.linkedin.com/feed/update/${id}` };
  }
}
