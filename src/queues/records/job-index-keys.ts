import type { JobRef } from './job-ref';

/** What the indexes know of a job: enough to list it and to find it again. */
export interface IndexedJob extends JobRef {
  ownerId: string;
  contentId?: string;
  /** Milliseconds; the job's BullMQ timestamp and its record's createdAt. */
  createdAt: number;
}

export interface IndexEntry {
  ref: JobRef;
  createdAt: number;
}

/** Position in a listing: the last entry returned (newest-first order). */
export interface IndexCursor {
  createdAt: number;
  member: string;
}

/** The key names of JobIndex under `base` (`<prefix>:idx:jobs`). */
export function jobIndexKeys(base: string) {
  return {
    /** Every job, by creation time (admin search). */
    all: `${base}:all`,
    /** Jobs whose record is not final yet, by when the reconciler should look at them. */
    open: `${base}:open`,
    queue: (queue: string) => `${base}:q:${queue}`,
    user: (ownerId: string) => `${base}:u:${ownerId}`,
    userQueue: (ownerId: string, queue: string) => `${base}:u:${ownerId}:q:${queue}`,
    userOpen: (ownerId: string) => `${base}:open:u:${ownerId}`,
    content: (contentId: string) => `${base}:c:${contentId}`,
  };
}

export type JobIndexKeys = ReturnType<typeof jobIndexKeys>;
