import { contentFields } from '../../content/content-fields';
import type { Content } from '../../content/content.schema';
import type { JobStatus } from '../../queues';
import type { LinkedAccount } from '../../social/social-accounts.service';
import type { PostLedgerEntry } from '../../social/post-ledger.schema';
import type { ScheduledPost } from '../../social/scheduled-post.schema';

/** A job as exported: what the API shows of it, with its payload and result. */
export function jobExport(job: JobStatus) {
  return {
    id: job.id,
    queue: job.queue,
    name: job.name,
    state: job.state,
    contentId: job.contentId,
    payload: job.data,
    result: job.returnValue,
    failedReason: job.failedReason,
    progress: job.progress,
    attemptsMade: job.attemptsMade,
    maxAttempts: job.maxAttempts,
    priority: job.priority,
    timestamps: job.timestamps,
  };
}

export function contentExport(content: Content) {
  return {
    ...contentFields(content),
    createdAt: content.createdAt,
    updatedAt: content.updatedAt,
  };
}

export function scheduledPostExport(post: ScheduledPost) {
  return {
    id: post._id,
    contentId: post.contentId,
    platforms: post.platforms,
    content: post.content,
    scheduledAt: post.scheduledAt,
    state: post.state,
    socialJobId: post.socialJobId,
    publishedAt: post.publishedAt,
    failureReason: post.failureReason,
    createdAt: post.createdAt,
  };
}

/** A linked account without its token (not even the hint the listing shows). */
export function accountExport(account: LinkedAccount) {
  const { platform, externalId, handle, linkedAt } = account;
  return { platform, externalId, handle, linkedAt };
}

export function ledgerExport(entry: PostLedgerEntry) {
  const { _id, ...rest } = entry;
  return { id: _id, ...rest };
}
