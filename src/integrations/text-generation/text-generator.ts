import type { ContentPlatform, PlatformRules } from '../../common/platforms';

export interface PostRequest {
  text: string;
  platform: ContentPlatform;
  rules: PlatformRules;
}

export interface PostDraft {
  text: string;
  hashtags: string[];
}

/** Turns source text into one post for one platform. One adapter per provider. */
export interface TextGenerator {
  readonly name: string;
  generate(request: PostRequest, signal: AbortSignal): Promise<PostDraft>;
}

export const TEXT_GENERATOR = Symbol('TEXT_GENERATOR');
