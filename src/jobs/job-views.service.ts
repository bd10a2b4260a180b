import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import type { JobPage, JobView } from './dto/job-views.dto';
import type { UserJobsQuery } from './dto/job-queries.dto';
import {
  JobHistory,
  JobKernel,
  JobNotFoundError,
  JobStatus,
  QueueRegistry,
  StartEstimates,
} from '../queues';
import type { IndexCursor, StartEstimate } from '../queues';

/** Latest time a Date can hold; a cursor past it was not made by this API. */
const MAX_TIME_MS = 8.64e15;

export function encodeCursor(cursor: IndexCursor): string {
  return Buffer.from(`${cursor.createdAt}.${cursor.member}`).toString('base64url');
}

export function decodeCursor(cursor: string): IndexCursor | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const dot = text.indexOf('.');
  const [ms, member] = [text.slice(0, dot), text.slice(dot + 1)];
  return dot > 0 && /^\d{1,16}$/.test(ms) && Number(ms) <= MAX_TIME_MS && member
    ? { createdAt: Number(ms), member }
    : undefined;
}

export function toJobView(status: JobStatus): JobView {
  return {
    id: status.id,
    queue: status.queue,
    name: status.name,
    state: status.state,
    progress: status.progress,
    attemptsMade: status.attemptsMade,
    maxAttempts: status.maxAttempts,
    priority: status.priority,
    contentId: status.contentId,
    failedReason: status.failedReason,
    result: status.state === 'completed' ? status.returnValue : undefined,
    timestamps: status.timestamps,
  };
}

/** A start estimate as the API shows it: an ISO time, or why there is none. */
export function estimateFields(
  estimate: StartEstimate,
): Pick<JobView, 'estimatedStartAt' | 'estimateUnavailable'> {
  return 'at' in estimate
    ? { estimatedStartAt: new Date(estimate.at).toISOString() }
    : { estimateUnavailable: estimate.unavailable };
}

/** What a user may see of jobs: only their own, and another user's job is simply "not found". */
@Injectable()
export class JobViewsService {
  constructor(
    private readonly history: JobHistory,
    private readonly kernel: JobKernel,
    private readonly registry: QueueRegistry,
    private readonly estimates: StartEstimates,
  ) {}

  async list(ownerId: string, query: UserJobsQuery): Promise<JobPage> {
    // The queues are known at run time (the catalogue), so the filter is checked here.
    const problem = this.registry.filterProblem(query.queue);
    if (problem) throw new BadRequestException([problem]);
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    if (query.cursor && !after)
      throw new BadRequestException(['cursor is not a cursor this API gave out']);
    const page = await this.history.list(
      ownerId,
      { queue: query.queue, state: query.state },
      query.limit ?? 20,
      after,
    );
    return {
      items: page.items.map(toJobView),
      nextCursor: page.next ? encodeCursor(page.next) : undefined,
    };
  }

  /** One of the owner's jobs (live from Redis while it is there); 404 for anyone else's. */
  async owned(ownerId: string, jobId: string): Promise<JobStatus> {
    const status = await this.kernel.find(jobId).catch((error: unknown) => {
      if (error instanceof JobNotFoundError) return undefined;
      throw error;
    });
    if (!status || status.ownerId !== ownerId)
      throw new NotFoundException(`Job ${jobId} not found`);
    return status;
  }

  /** Live state for unfinished jobs; a waiting job's place in line; when a pending job should start. */
  async detail(ownerId: string, jobId: string): Promise<JobView> {
    const status = await this.owned(ownerId, jobId);
    const view = toJobView(status);
    if (view.state !== 'waiting' && view.state !== 'delayed') return view;
    // The place and the estimate are read together (one moment's), so they agree.
    const { place, estimate } = await this.estimates.of(status.queue, jobId);
    if (typeof place === 'object' && 'position' in place) view.position = place.position;
    if (estimate) Object.assign(view, estimateFields(estimate));
    return view;
  }
}
