/** Platforms content is generated for. */
export const CONTENT_PLATFORMS = ['twitter', 'linkedin', 'facebook', 'instagram'] as const;
export type ContentPlatform = (typeof CONTENT_PLATFORMS)[number];

/** Platforms the social-posting queue can publish to (one adapter each). */
export const POSTING_PLATFORMS = ['twitter', 'linkedin'] as const;
export type PostingPlatform = (typeof POSTING_PLATFORMS)[number];

export interface PlatformRules {
  maxLength: number;
  /** How many hashtags a generated post carries (0: none). */
  hashtags: number;
}

/** Each platform's text limit and hashtag habit. */
export const PLATFORM_RULES: Readonly<Record<ContentPlatform, PlatformRules>> = {
  twitter: { maxLength: 280, hashtags: 3 },
  linkedin: { maxLength: 3000, hashtags: 5 },
  facebook: { maxLength: 63_206, hashtags: 0 },
  instagram: { maxLength: 2200, hashtags: 10 },
};
