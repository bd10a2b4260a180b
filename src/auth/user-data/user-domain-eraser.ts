import { Injectable } from '@nestjs/common';
import { inBatches } from '../../common/in-batches';
import type { Content } from '../../content/content.schema';
import { uploadedFile } from '../../content/produced-files';
import { ContentService } from '../../content/content.service';
import { MailService } from '../../mail/mail.service';
import { MediaFiles } from '../../media/media-files';
import { QUEUE_NAMES, type OwnedJob } from '../../queues';
import { PostLedgerService } from '../../social/post-ledger.service';
import { ScheduledPostsService } from '../../social/scheduled-posts.service';
import { SocialAccountsService } from '../../social/social-accounts.service';

/** What the domain held of a user, found from their jobs (each item read by `_id`). */
export interface OwnedDomainData {
  contents: Content[];
  scheduledPostIds: string[];
}

/** The non-empty string ids among `values`, each once. */
function distinctIds(values: unknown[]): string[] {
  return [...new Set(values.filter((id): id is string => typeof id === 'string' && id !== ''))];
}

/** The content ids a user's jobs name (the job's own, or its payload's). */
export function contentIdsOf(jobs: OwnedJob[]): string[] {
  const ids = jobs.flatMap((job) => [job.contentId, job.data?.contentId]);
  return distinctIds(ids);
}

/** A scheduled post's id is its publishing job's (and that job's payload names it too). */
export function scheduledPostIdsOf(jobs: OwnedJob[]): string[] {
  const ids = jobs.flatMap((job) =>
    job.queue === QUEUE_NAMES.SCHEDULED_POSTS ? [job.id, job.data?.scheduledPostId] : [],
  );
  return distinctIds(ids);
}

/**
 * A user's data outside the queue system, erased: contents and their files (uploads, published
 * media), scheduled posts, the social post and mail ledgers (with outbox files) of their jobs,
 * and their linked social accounts with the tokens. Everything is found from their jobs and
 * deterministic ids, and deleted by `_id`: no collection is scanned.
 */
@Injectable()
export class UserDomainEraser {
  constructor(
    private readonly contents: ContentService,
    private readonly media: MediaFiles,
    private readonly mail: MailService,
    private readonly ledger: PostLedgerService,
    private readonly scheduledPosts: ScheduledPostsService,
    private readonly accounts: SocialAccountsService,
  ) {}

  /** The user's contents (others' contents a job may name are left alone). */
  async contentsOf(userId: string, jobs: OwnedJob[]): Promise<Content[]> {
    const found = await inBatches(contentIdsOf(jobs), (id) => this.contents.findById(id));
    return found.filter((c): c is Content => c?.ownerId === userId);
  }

  async erase(userId: string, jobs: OwnedJob[], contents: Content[]): Promise<void> {
    const uploads = [
      ...contents.map(uploadedFile),
      ...jobs.map((job) => (job.queue === QUEUE_NAMES.VIDEO_PROCESSING ? job.data?.videoPath : '')),
    ].filter((file): file is string => typeof file === 'string' && file !== '');
    await inBatches([...new Set(uploads)], (file) => this.media.removeUpload(file));
    await inBatches(contents, async (content) => {
      const id = content._id.toHexString();
      await this.media.removeContentFiles(id);
      await this.contents.delete(id);
    });
    await inBatches(scheduledPostIdsOf(jobs), (id) => this.scheduledPosts.erase(id));
    await inBatches(jobs, async (job) => {
      if (job.queue === QUEUE_NAMES.SOCIAL_POSTING) await this.ledger.forgetJob(job.id);
      if (job.queue === QUEUE_NAMES.EMAIL_SENDING) await this.mail.forgetJob(job.id);
    });
    await this.accounts.unlinkAll(userId);
  }
}
