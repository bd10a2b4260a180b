import { Injectable } from '@nestjs/common';
import { IndexCursor, IndexEntry, JobIndex } from '../records/job-index';
import { toRef } from '../records/job-ref';
import { FINISHED_STATES, JobState, UNFINISHED_STATES } from '../records/job-record.schema';
import { QueueUnavailableError } from '../contracts/job-errors';
import { JobLookup } from './job-lookup';
import type { JobStatus } from './job-status';

/** How many index entries one filtered page may look at before it answers with a cursor. */
const SCAN_LIMIT = 300;
/** An index entry younger than this may belong to a job its producer is still adding. */
const ADDING_GRACE_MS = 30_000;

export interface HistoryPage {
  items: JobStatus[];
  /** Where the next page starts; absent on the last page. */
  next?: IndexCursor;
}

/**
 * A user's jobs and a content item's jobs, read through JobIndex (Redis) and resolved one by one:
 * the live job while Redis has it, else its record by `_id`. Cost grows with the page, never with
 * the history.
 */
@Injectable()
export class JobHistory {
  constructor(
    private readonly index: JobIndex,
    private readonly lookup: JobLookup,
  ) {}

  /**
   * Newest first, after `after`. With a `state` filter a page reads on until it is full or has
   * looked at SCAN_LIMIT jobs; then it may hold fewer items and still give a cursor.
   */
  list(
    ownerId: string,
    filter: { queue?: string; state?: JobState },
    limit: number,
    after?: IndexCursor,
  ): Promise<HistoryPage> {
    return redisRead(this.listAll(ownerId, filter, limit, after));
  }

  private async listAll(
    ownerId: string,
    filter: { queue?: string; state?: JobState },
    limit: number,
    after?: IndexCursor,
  ): Promise<HistoryPage> {
    if (filter.state && UNFINISHED_STATES.includes(filter.state))
      return this.listUnfinished(ownerId, { ...filter, state: filter.state }, limit, after);
    const found: { status: JobStatus; at: IndexCursor }[] = [];
    let cursor = after;
    let scanned = 0;
    let exhausted = false;
    while (found.length <= limit && scanned < SCAN_LIMIT) {
      const want = filter.state ? 50 : limit + 1 - found.length;
      const entries = await this.index.page(ownerId, filter.queue, cursor, want);
      const statuses = await this.resolve(entries);
      entries.forEach((entry, i) => {
        cursor = cursorOf(entry);
        const status = statuses[i];
        if (status && (!filter.state || status.state === filter.state))
          found.push({ status, at: cursor });
      });
      scanned += entries.length;
      if (entries.length < want) {
        exhausted = true;
        break;
      }
    }
    const page = found.slice(0, limit);
    if (found.length > limit) return { items: page.map((f) => f.status), next: page[limit - 1].at };
    return { items: page.map((f) => f.status), next: exhausted ? undefined : cursor };
  }

  /** Waiting, delayed or active: only the user's unfinished set needs reading. */
  private async listUnfinished(
    ownerId: string,
    filter: { queue?: string; state: JobState },
    limit: number,
    after?: IndexCursor,
  ): Promise<HistoryPage> {
    const candidates = (await this.index.openOf(ownerId))
      .filter((e) => !filter.queue || e.ref.queue === filter.queue)
      .filter((e) => !after || isAfter(cursorOf(e), after));
    const entries = candidates.slice(0, SCAN_LIMIT);
    const statuses = await this.resolve(entries);
    const found = entries
      .map((entry, i) => ({ status: statuses[i], at: cursorOf(entry) }))
      .filter((f): f is { status: JobStatus; at: IndexCursor } => f.status?.state === filter.state);
    const page = found.slice(0, limit);
    if (found.length > limit) return { items: page.map((f) => f.status), next: page[limit - 1].at };
    // Looked at all it may on one page: the next one goes on from the last looked at.
    const cut = candidates.length > entries.length;
    return {
      items: page.map((f) => f.status),
      next: cut ? cursorOf(entries[entries.length - 1]) : undefined,
    };
  }

  /** A content item's jobs in the order they were made (its pipeline timeline). */
  async forContent(contentId: string, limit = 50): Promise<JobStatus[]> {
    const statuses = await redisRead(
      this.index.forContent(contentId, limit).then((entries) => this.resolve(entries)),
    );
    return statuses.filter((s): s is JobStatus => !!s);
  }

  /**
   * How many of a user's jobs are unfinished, counting at most `upTo`. At the limit, each one is
   * checked against Redis first: a finish whose index update was lost (a crash) must not keep
   * the user locked out.
   */
  unfinishedCount(ownerId: string, upTo: number): Promise<number> {
    return redisRead(this.countOpen(ownerId, upTo));
  }

  private async countOpen(ownerId: string, upTo: number): Promise<number> {
    const count = await this.index.openCount(ownerId);
    if (count < upTo) return count;
    const entries = await this.index.openOf(ownerId);
    const statuses = await this.resolve(entries);
    let open = 0;
    for (const [i, entry] of entries.entries()) {
      const status = statuses[i];
      const young = Date.now() - entry.createdAt < ADDING_GRACE_MS;
      if (young || (status && !FINISHED_STATES.includes(status.state))) open++;
      else await this.index.finished(entry.ref, ownerId);
    }
    return Math.min(open, upTo);
  }

  private resolve(entries: IndexEntry[]): Promise<(JobStatus | undefined)[]> {
    return Promise.all(entries.map((entry) => this.lookup.status(entry.ref)));
  }
}

/** Redis away on a request: a 503 ("queue unavailable"), not a 500. */
export async function redisRead<T>(read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof QueueUnavailableError || isMongoError(error)) throw error;
    throw new QueueUnavailableError(error);
  }
}

function isMongoError(error: unknown): boolean {
  return /^Mongo/.test((error as Error)?.name ?? '');
}

export function cursorOf(entry: IndexEntry): IndexCursor {
  return { createdAt: entry.createdAt, member: toRef(entry.ref) };
}

/** Newest-first order: later in the listing means older, or as old and a lower member. */
function isAfter(entry: IndexCursor, cursor: IndexCursor): boolean {
  return (
    entry.createdAt < cursor.createdAt ||
    (entry.createdAt === cursor.createdAt && entry.member < cursor.member)
  );
}
