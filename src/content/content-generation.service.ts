import { Inject, Injectable } from '@nestjs/common';
import { asJobFailure } from '../queues/contracts/provider-failure';
import { composePost } from '../integrations/text-generation/fit-post';
import { TEXT_GENERATOR, type TextGenerator } from '../integrations/text-generation/text-generator';
import type { JobContext } from '../queues/contracts/job-context';
import type { GenerateContentPayload } from '../queues/content-generation/generate-content.payload';
import { ContentService } from './content.service';
import type { GeneratedPost } from './content.schema';
import { PLATFORM_RULES } from '../common/platforms';

export interface GenerationResult {
  contentId?: string;
  posts: { platform: string; text: string; hashtags: string[]; length: number }[];
}

/** One post per requested platform, within each platform's limits, stored on the content. */
@Injectable()
export class ContentGenerationService {
  constructor(
    @Inject(TEXT_GENERATOR) private readonly generator: TextGenerator,
    private readonly contents: ContentService,
  ) {}

  async generate(
    payload: GenerateContentPayload,
    context: Pick<JobContext, 'signal' | 'progress' | 'viaProvider'>,
  ): Promise<GenerationResult> {
    const posts: GeneratedPost[] = [];
    for (const [index, platform] of payload.platforms.entries()) {
      const rules = PLATFORM_RULES[platform];
      const draft = await context
        .viaProvider('llm', () =>
          this.generator.generate({ text: payload.text, platform, rules }, context.signal),
        )
        .catch((error: unknown) => Promise.reject(asJobFailure(error)));
      posts.push({
        platform,
        ...composePost(draft, rules),
        generator: this.generator.name,
        generatedAt: new Date(),
      });
      await context.progress(Math.round(((index + 1) / payload.platforms.length) * 100));
    }
    if (payload.contentId) await this.contents.savePosts(payload.contentId, posts);
    return {
      contentId: payload.contentId,
      posts: posts.map((p) => ({
        platform: p.platform,
        text: p.text,
        hashtags: p.hashtags,
        length: [...p.text].length,
      })),
    };
  }
}
