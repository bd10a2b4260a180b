import { Injectable } from '@nestjs/common';
import type { Writable } from 'node:stream';
import { inBatches } from '../../common/in-batches';
import { ContentService } from '../../content/content.service';
import { AuditLogService } from '../../jobs/audit/audit-log.service';
import { MailLedger } from '../../mail/mail-ledger';
import { MediaFiles } from '../../media/media-files';
import { OwnerJobs, QUEUE_NAMES } from '../../queues';
import { PostLedgerService } from '../../social/post-ledger.service';
import { ScheduledPostsService } from '../../social/scheduled-posts.service';
import { SocialAccountsService } from '../../social/social-accounts.service';
import { toPublicUser, type User } from '../user.schema';
import {
  accountExport,
  contentExport,
  jobExport,
  ledgerExport,
  scheduledPostExport,
} from './export-views';
import { JsonStream } from './json-stream';

export const EXPORT_FORMAT = 'click-api-user-export/1';

/**
 * Everything the product holds about a user, as one JSON document written piece by piece: the
 * profile, linked accounts (no tokens), every job with its payload and result, and what the jobs
 * lead to — contents (with the files stored for them), scheduled posts, social post and mail ledger entries — then the audit
 * entries about them. Jobs come page by page from the owner's listing (JobIndex); everything
 * else is read by `_id` from ids the jobs name; only those ids are kept while writing.
 */
@Injectable()
export class UserExport {
  constructor(
    private readonly ownerJobs: OwnerJobs,
    private readonly contents: ContentService,
    private readonly scheduledPosts: ScheduledPostsService,
    private readonly postLedger: PostLedgerService,
    private readonly mailLedger: MailLedger,
    private readonly accounts: SocialAccountsService,
    private readonly audit: AuditLogService,
    private readonly files: MediaFiles,
  ) {}

  /**
   * The first reads happen before `begin()` (a database that is away is still a clean error);
   * after it, the document is streamed to `out`.
   */
  async write(user: User, begin: () => Writable): Promise<void> {
    const userId = user._id.toHexString();
    const accounts = await this.accounts.list(userId);
    const pages = this.ownerJobs.pages(userId);
    const firstPage = await pages.next();
    const json = new JsonStream(begin());
    await json.raw('{');
    await json.member('format', EXPORT_FORMAT);
    await json.member('exportedAt', new Date().toISOString());
    await json.member('profile', toPublicUser(user));
    await json.member('socialAccounts', accounts.map(accountExport));

    const contentIds = new Set<string>();
    const scheduledIds = new Set<string>();
    const postJobs: string[] = [];
    const mailJobs: string[] = [];
    await json.array('jobs', async (item) => {
      for (let page = firstPage; !page.done; page = await pages.next())
        for (const job of page.value) {
          for (const id of [job.contentId, job.data.contentId])
            if (typeof id === 'string') contentIds.add(id);
          if (job.queue === QUEUE_NAMES.SCHEDULED_POSTS) scheduledIds.add(job.id);
          if (job.queue === QUEUE_NAMES.SOCIAL_POSTING) postJobs.push(job.id);
          if (job.queue === QUEUE_NAMES.EMAIL_SENDING) mailJobs.push(job.id);
          await item(jobExport(job));
        }
    });
    await json.array('contents', (item) =>
      this.each(
        [...contentIds],
        (id) => this.contents.findById(id),
        async (content) => {
          if (content.ownerId === userId)
            await item({ ...contentExport(content), files: await this.files.storedFiles(content) });
        },
      ),
    );
    await json.array('scheduledPosts', (item) =>
      this.each(
        [...scheduledIds],
        (id) => this.scheduledPosts.findById(id),
        async (post) => {
          if (post.ownerId === userId) await item(scheduledPostExport(post));
        },
      ),
    );
    await json.array('socialPostLedger', (item) =>
      this.each(
        postJobs,
        (id) => this.postLedger.entriesFor(id),
        async (entries) => {
          for (const entry of entries) await item(ledgerExport(entry));
        },
      ),
    );
    await json.array('mailLedger', (item) =>
      this.each(
        mailJobs,
        (id) => this.mailLedger.find(id),
        async (entry) => {
          const { _id, ...rest } = entry;
          await item({ jobId: _id, ...rest });
        },
      ),
    );
    const auditEntries = await this.audit.about(userId);
    await json.member('auditEntries', auditEntries);
    await json.raw('}\n');
  }

  /** Reads `ids` 50 at a time, in parallel, and writes each found item in order. */
  private async each<T>(
    ids: string[],
    read: (id: string) => Promise<T | null>,
    write: (found: T) => Promise<void>,
  ): Promise<void> {
    for (let i = 0; i < ids.length; i += 50) {
      const found = await inBatches(ids.slice(i, i + 50), read);
      for (const item of found) if (item) await write(item);
    }
  }
}
