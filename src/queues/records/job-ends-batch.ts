import type { RedisClient } from '../../infra/redis/redis-client';
import { FINISHED } from './job-index-scripts';
import { runScript } from '../../infra/redis/lua-script';

/** Job ends wait at most this long, so a busy worker sends one script call per batch, not per job. */
const ENDS_BATCH_MS = 10;
const ENDS_BATCH_MAX = 200;

/** One job's end for the FINISHED script: off its owner's open set, its run timed (or -1). */
export interface JobEnd {
  openKey: string;
  runTimesKey?: string;
  ref: string;
  ranMs?: number;
}

interface PendingEnd extends JobEnd {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Job ends sent together: one FINISHED script call per ENDS_BATCH_MS (at most ENDS_BATCH_MAX ends)
 * instead of a round trip per job, which cost a worker ~15 µs of Redis and ~20 µs of Node CPU per
 * job. Each end's promise settles once Redis has it.
 */
export class JobEndsBatch {
  private ends: PendingEnd[] = [];
  private timer?: NodeJS.Timeout;

  constructor(private readonly redis: RedisClient) {}

  add(end: JobEnd): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ends.push({ ...end, resolve, reject });
      if (this.ends.length >= ENDS_BATCH_MAX) this.send();
      else this.timer ??= setTimeout(() => this.send(), ENDS_BATCH_MS);
    });
  }

  /** Sends the held ends now (in order before any command issued after this call). */
  send(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.ends.length) return;
    const batch = this.ends;
    this.ends = [];
    const keys: string[] = [];
    const args: (string | number)[] = [Date.now()];
    for (const end of batch) {
      keys.push(end.openKey, end.runTimesKey ?? end.openKey);
      args.push(end.ref, end.ranMs ?? -1);
    }
    runScript(this.redis, FINISHED, keys, args).then(
      () => batch.forEach((end) => end.resolve()),
      (error: unknown) => batch.forEach((end) => end.reject(error)),
    );
  }
}
