import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { JobKernel, JobStatus, statusFromRecord } from '../queues/kernel/job-kernel.service';
import { JobRecordsService } from '../queues/records/job-records.service';
import type { JobRecord } from '../queues/records/job-record.schema';
import type { JobPage, JobView } from './dto/job-views.dto';
import type { UserJobsQuery } from './dto/job-queries.dto';

function encodeCursor(record: JobRecord): string {
  return Buffer.from(`${record.createdAt.getTime()}.${record._id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } | undefined {
  const [ms, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('.');
  return /^\d+$/.test(ms ?? '') && id ? { createdAt: new Date(Number(ms)), id } : undefined;
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

/** What a user may see of jobs: only their own, and another user's job is simply "not found". */
@Injectable()
export class JobViewsService {
  constructor(
    private readonly records: JobRecordsService,
    private readonly kernel: JobKernel,
  ) {}

  async list(ownerId: string, query: UserJobsQuery): Promise<JobPage> {
    const limit = query.limit ?? 20;
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    if (query.cursor && !after)
      throw new BadRequestException(['cursor is not a cursor this API gave out']);
    const records = await this.records.listForOwner(
      ownerId,
      { queue: query.queue, state: query.state },
      limit + 1,
      after,
    );
    const page = records.slice(0, limit);
    return {
      items: page.map((record) => toJobView(statusFromRecord(record))),
      nextCursor: records.length > limit ? encodeCursor(page[page.length - 1]) : undefined,
    };
  }

  /** The record of one of the owner's jobs; 404 for anyone else's. */
  async owned(ownerId: string, jobId: string): Promise<JobRecord> {
    const record = await this.records.findById(jobId);
    if (!record || record.ownerId !== ownerId)
      throw new NotFoundException(`Job ${jobId} not found`);
    return record;
  }

  /** Live state for unfinished jobs, and the place in line of a waiting one. */
  async detail(ownerId: string, jobId: string): Promise<JobView> {
    const record = await this.owned(ownerId, jobId);
    const view = toJobView(await this.kernel.statusOf(record));
    if (view.state === 'waiting') view.position = await this.kernel.position(record.queue, jobId);
    return view;
  }
}
