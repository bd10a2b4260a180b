import { io, Socket } from 'socket.io-client';
import type { ApiClient } from './client';

/**
 * One socket.io client per user on the /jobs namespace (users spread over the API processes),
 * counting the job events each owner received: every job's ending must reach its owner once.
 */
export class EventWatch {
  /** token → jobId → event type → times received */
  private readonly seen = new Map<string, Map<string, Map<string, number>>>();
  private readonly sockets: Socket[] = [];
  disconnects = 0;

  async connect(urls: string[], tokens: string[]): Promise<void> {
    await Promise.all(
      tokens.map(async (token, i) => {
        const socket = io(`${urls[i % urls.length]}/jobs`, {
          auth: { token },
          transports: ['websocket'],
        });
        const jobs = new Map<string, Map<string, number>>();
        this.seen.set(token, jobs);
        socket.onAny((type: string, event: { jobId?: string }) => {
          if (!type.startsWith('job:') || !event?.jobId) return;
          const counts = jobs.get(event.jobId) ?? new Map<string, number>();
          counts.set(type, (counts.get(type) ?? 0) + 1);
          jobs.set(event.jobId, counts);
        });
        socket.on('disconnect', () => this.disconnects++);
        this.sockets.push(socket);
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', resolve);
          socket.once('connect_error', reject);
        });
      }),
    );
  }

  /** How many times the owner (by token) heard `type` for `jobId`. */
  count(token: string, jobId: string, type: string): number {
    return this.seen.get(token)?.get(jobId)?.get(type) ?? 0;
  }

  close(): void {
    for (const socket of this.sockets) socket.close();
  }
}

interface TaskRun {
  task: string;
  trigger: string;
  slot?: string;
  instance: string;
  startedAt: string;
  outcome: string;
}

/**
 * Polls the admin run history of the maintenance tasks (kept in Redis, 100 runs, lost with
 * Redis's data: hence polled every few seconds) and checks each cron tick of `task` ran once.
 */
export class CronWatch {
  private readonly runs = new Map<string, TaskRun>();
  private readonly outages: { from: number; to: number }[] = [];
  private timer?: NodeJS.Timeout;
  private readonly startedAt = Date.now();

  constructor(
    private readonly client: ApiClient,
    private readonly adminToken: () => string,
    readonly task: string,
    readonly periodMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), 4000);
  }

  async poll(): Promise<void> {
    const res = await this.client
      .call('GET', '/jobs/maintenance', this.adminToken(), undefined, false)
      .catch(() => undefined);
    if (res?.status !== 200) return;
    for (const run of (res.body as { runs: TaskRun[] }).runs)
      this.runs.set(`${run.task}|${run.slot}|${run.startedAt}|${run.instance}`, run);
  }

  /** Redis (which claims the ticks) was away: ticks in this window may not run. */
  outage(from: number, to: number): void {
    this.outages.push({ from, to });
  }

  async stop(): Promise<{ slots: number; twice: string[]; missing: string[] }> {
    clearInterval(this.timer);
    await this.poll();
    const bySlot = new Map<string, number>();
    // A failed attempt is retried by BullMQ (the tick's job): twice means two runs that ended.
    const seen = new Set<string>();
    for (const run of this.runs.values()) {
      if (run.task !== this.task || !run.slot || run.trigger === 'manual') continue;
      seen.add(run.slot);
      if (run.outcome !== 'failed') bySlot.set(run.slot, (bySlot.get(run.slot) ?? 0) + 1);
    }
    const twice = [...bySlot].filter(([, n]) => n > 1).map(([slot, n]) => `${slot} ×${n}`);
    // Every slot from a period after the start to a period before now, but those of an outage.
    const missing: string[] = [];
    const first = Math.ceil((this.startedAt + this.periodMs) / this.periodMs) * this.periodMs;
    const last = Date.now() - this.periodMs;
    let slots = 0;
    for (let t = first; t <= last; t += this.periodMs) {
      if (this.outages.some((o) => t >= o.from - 2000 && t <= o.to + 5000)) continue;
      slots++;
      const slot = new Date(t).toISOString();
      if (!seen.has(slot)) missing.push(slot);
    }
    return { slots, twice, missing };
  }
}
