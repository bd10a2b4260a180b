import type { RedisClient } from '../../infra/redis/redis-client';

const PAGE = 500;

/**
 * What to do with one stream entry: `undefined` keeps it, `null` deletes it, and fields replace
 * it (it is deleted and the fields added again at the stream's end; stream entries cannot change).
 */
export type EntryEdit = (fields: string[]) => string[] | null | undefined;

/**
 * Walks a whole stream (page by page; our streams are capped near 10,000 entries) and applies
 * `edit` to each entry: how an erased owner's traces leave the job-event streams. Returns how
 * many entries were deleted.
 */
export async function purgeStream(
  redis: RedisClient,
  stream: string,
  edit: EntryEdit,
  maxLen: number,
): Promise<number> {
  let start = '-';
  let deleted = 0;
  const readded: string[][] = [];
  for (;;) {
    const page = await redis.xrange(stream, start, '+', 'COUNT', PAGE);
    const gone: string[] = [];
    for (const [id, fields] of page) {
      const change = edit(fields);
      if (change === undefined) continue;
      gone.push(id);
      if (change) readded.push(change);
    }
    if (gone.length) deleted += await redis.xdel(stream, ...gone);
    if (page.length < PAGE) break;
    start = `(${page[page.length - 1][0]}`;
  }
  // Added after the walk, so the walk does not meet them again.
  for (const fields of readded)
    await redis.xadd(stream, 'MAXLEN', '~', String(maxLen), '*', ...fields);
  return deleted;
}

/** BullMQ's event entries name their job in a `jobId` field. */
export function bullEventOf(jobIds: Set<string>): EntryEdit {
  return (fields) => {
    for (let i = 0; i < fields.length - 1; i += 2)
      if (fields[i] === 'jobId') return jobIds.has(fields[i + 1]) ? null : undefined;
    return undefined;
  };
}

/** Our job-event entries hold a JSON array of events (`events`): the owner's are taken out. */
export function ownerEventsOf(ownerId: string, jobIds: Set<string>): EntryEdit {
  return (fields) => {
    const at = fields.indexOf('events');
    if (at < 0 || at % 2 === 1) return undefined;
    let events: { ownerId?: string; jobId?: string }[];
    try {
      events = JSON.parse(fields[at + 1]) as typeof events;
    } catch {
      return undefined;
    }
    const kept = events.filter((e) => e.ownerId !== ownerId && !jobIds.has(e.jobId ?? ''));
    if (kept.length === events.length) return undefined;
    return kept.length ? ['events', JSON.stringify(kept)] : null;
  };
}
