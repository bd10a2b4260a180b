import { QUEUE_NAME_PATTERN, QueueName } from '../contracts/queue-names';

/**
 * A job as the Redis indexes name it: `<jobId>#<queue>`. The queue rides along so a listing can
 * read the live job without probing every queue; the id comes first and `#` sorts below every id
 * character, so members with equal scores order exactly as job ids do (the old `_id` tie-break).
 */
export interface JobRef {
  id: string;
  queue: QueueName;
}

export function toRef(job: JobRef): string {
  return `${job.id}#${job.queue}`;
}

export function fromRef(member: string): JobRef | undefined {
  const at = member.lastIndexOf('#');
  const queue = member.slice(at + 1);
  // Well-formed is enough here: a queue this app no longer runs is found by no lookup.
  return at > 0 && QUEUE_NAME_PATTERN.test(queue) ? { id: member.slice(0, at), queue } : undefined;
}
