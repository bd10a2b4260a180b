import { Injectable } from '@nestjs/common';
import { ContentService } from '../../content/content.service';
import { AcceptedJob, AddJobOptions, JobKernel } from '../kernel/job-kernel.service';
import { JOB_NAMES, QUEUE_NAMES } from '../contracts/queue-names';
import { ownerOf, type OwnedInput } from '../contracts/owner';
import type { GenerateContentPayload } from './generate-content.payload';
import { OwnerErasedError } from '../contracts/job-errors';

@Injectable()
export class ContentGenerationProducer {
  constructor(
    private readonly kernel: JobKernel,
    private readonly contents: ContentService,
  ) {}

  /** Posts land on `contentId`, which must be the owner's; without one a content document is made. */
  async generate(
    payload: OwnedInput<GenerateContentPayload>,
    options?: AddJobOptions,
  ): Promise<AcceptedJob> {
    let contentId = payload.contentId;
    let made = false;
    const ownerId = ownerOf(payload);
    if (contentId && ownerId) await this.contents.findOwned(contentId, ownerId);
    else if (!contentId && ownerId && typeof payload.text === 'string') {
      contentId = await this.contents.create(ownerId, { sourceText: payload.text });
      made = true;
    }
    return this.kernel
      .add(
        QUEUE_NAMES.CONTENT_GENERATION,
        JOB_NAMES.GENERATE_CONTENT,
        { ...payload, contentId },
        options,
      )
      .catch(async (error: unknown) => {
        // Its owner is being erased: the content made for the job must not outlive the erase.
        if (made && error instanceof OwnerErasedError) await this.contents.delete(contentId!);
        throw error;
      });
  }
}
