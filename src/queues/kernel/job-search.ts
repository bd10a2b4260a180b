import { Injectable } from '@nestjs/common';
import { IndexCursor, JobIndex } from '../records/job-index';
import type { JobState } from '../records/job-record.schema';
import { cursorOf, redisRead } from './job-history';
import { JobLookup } from './job-lookup';
import type { JobStatus } from './job-status';

export interface SearchFilter {
  ownerId?: string;
  contentId?: string;
  queue?: string;
  state?: JobState;
  name?: string;
  from?: Date;
  to?: Date;
  /** Words to find (case-insensitive) in the payload's text fields. */
  q?: string;
}

export interface SearchPage {
  items: JobStatus[];
  next?: IndexCursor;
  /** Jobs looked at for this page (at most the window). */
  scanned: number;
  /** True when the listing was read to its end: there is nothing older that matches. */
  complete: boolean;
}

/** Payload fields a free-text search looks in: e-mail to/subject, post and content text, title. */
const TEXT_FIELDS = ['to', 'subject', 'text', 'title', 'content.text'] as const;

function textOf(data: Record<string, unknown>): string {
  return TEXT_FIELDS.map((path) =>
    path
      .split('.')
      .reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], data),
  )
    .filter((v): v is string => typeof v === 'string')
    .join('\n')
    .toLowerCase();
}

/**
 * Admin search, newest first across queues. The listing read is the narrowest the filters name
 * (an owner's, of a queue; a content item's; a queue's; every job's — Redis sorted sets by
 * creation time, bounded by from/to); the other filters are checked job by job, reading on until
 * the page is full or `window` jobs were looked at. The answer says how far it looked, and gives
 * a cursor to go on.
 */
@Injectable()
export class JobSearch {
  constructor(
    private readonly index: JobIndex,
    private readonly lookup: JobLookup,
  ) {}

  search(filter: SearchFilter, limit: number, window: number, after?: IndexCursor) {
    return redisRead(this.run(filter, limit, window, after));
  }

  private async run(
    filter: SearchFilter,
    limit: number,
    window: number,
    after?: IndexCursor,
  ): Promise<SearchPage> {
    const words = filter.q?.toLowerCase().split(/\s+/).filter(Boolean) ?? [];
    const matches = (status: JobStatus) =>
      (!filter.state || status.state === filter.state) &&
      (!filter.name || status.name === filter.name) &&
      (!filter.queue || status.queue === filter.queue) &&
      (!filter.ownerId || status.ownerId === filter.ownerId) &&
      (!filter.contentId || status.contentId === filter.contentId) &&
      (words.length === 0 || words.every((w) => textOf(status.data).includes(w)));
    const range = { from: filter.from?.getTime(), to: filter.to?.getTime() };
    const items: { status: JobStatus; at: IndexCursor }[] = [];
    let cursor = after;
    let scanned = 0;
    let complete = false;
    while (items.length <= limit && scanned < window) {
      const want = Math.min(100, window - scanned);
      const entries = await this.index.scopePage(filter, range, cursor, want);
      const statuses = await Promise.all(entries.map((e) => this.lookup.status(e.ref)));
      entries.forEach((entry, i) => {
        cursor = cursorOf(entry);
        const status = statuses[i];
        if (status && matches(status)) items.push({ status, at: cursor });
      });
      scanned += entries.length;
      if (entries.length < want) {
        complete = true;
        break;
      }
    }
    const page = items.slice(0, limit);
    if (items.length > limit)
      return {
        items: page.map((f) => f.status),
        next: page[limit - 1].at,
        scanned,
        complete: false,
      };
    return {
      items: page.map((f) => f.status),
      next: complete ? undefined : cursor,
      scanned,
      complete,
    };
  }
}
