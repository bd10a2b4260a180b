import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Job } from 'bullmq';
import type { Model } from 'mongoose';
import { DerivedIndex, DerivedIndexes } from '../../infra/derived-index/derived-indexes.service';
import { QueueRegistry } from '../kernel/queue-registry';
import { contentOf, ownerOf } from '../contracts/owner';
import { IndexedJob, JobIndex } from './job-index';
import { JobIntents } from './job-intents';
import { JobRecord, SYSTEM_OWNER, UNFINISHED_STATES } from './job-record.schema';

const PAGE = 1000;
/** The index's key layout; 2 added `q:<queue>` and `all`. */
const LAYOUT = '2';
const LIVE_STATES = ['wait', 'prioritized', 'delayed', 'active', 'waiting-children'] as const;

/**
 * Rebuilds JobIndex when Redis lost it (flushed keys, an older snapshot) or the database comes
 * from a version without it: every record once (the one full read of `job_records`, in the
 * background), then every intent without a record (jobs accepted and not finished), then every
 * live job in the six queues (jobs have no record until they end).
 * Unfinished ones are handed to the reconciler, which queues those whose job is gone.
 */
@Injectable()
export class JobIndexRebuild implements DerivedIndex, OnModuleInit {
  readonly name = 'jobs';

  constructor(
    @InjectModel(JobRecord.name) private readonly model: Model<JobRecord>,
    private readonly index: JobIndex,
    private readonly intents: JobIntents,
    private readonly registry: QueueRegistry,
    private readonly indexes: DerivedIndexes,
  ) {}

  async onModuleInit(): Promise<void> {
    this.indexes.register(this);
    await this.checkLayout();
  }

  /**
   * An index of an older layout (without the per-queue and all-jobs listings of layout 2) is
   * rebuilt once; the layout is marked when a rebuild completes.
   */
  async checkLayout(): Promise<void> {
    if (!(await this.index.hasLayout(LAYOUT).catch(() => true)))
      await this.indexes.invalidate(this.name).catch(() => undefined);
  }

  async rebuild(): Promise<number> {
    const recorded = new Set<string>();
    const records = await this.fromRecords(recorded);
    const total = records + (await this.fromIntents(recorded)) + (await this.fromLiveJobs());
    await this.index.markLayout(LAYOUT);
    return total;
  }

  /**
   * Jobs accepted but without a final record: unfinished, or lost with a Redis that lost its
   * data. Listed as unfinished; the reconciler queues those that are not in Redis.
   */
  private fromIntents(recorded: Set<string>): Promise<number> {
    return this.addAll(this.intents.all(), (intent) =>
      recorded.has(intent._id) ? undefined : true,
    );
  }

  private fromRecords(recorded: Set<string>): Promise<number> {
    const cursor = this.model.collection
      .find(
        {},
        { projection: { _id: 1, queue: 1, ownerId: 1, contentId: 1, state: 1, createdAt: 1 } },
      )
      .batchSize(PAGE);
    return this.addAll(cursor as unknown as AsyncIterable<JobRecord>, (record) => {
      recorded.add(record._id);
      return UNFINISHED_STATES.includes(record.state);
    });
  }

  /**
   * Lists every document in the indexes, PAGE at a time in one pipeline. `open` says whether the
   * job is unfinished, or undefined to leave the document out.
   */
  private async addAll<T extends Pick<JobRecord, '_id' | 'queue' | 'ownerId' | 'contentId'>>(
    docs: AsyncIterable<T & { createdAt: Date | string | number }>,
    open: (doc: T) => boolean | undefined,
  ): Promise<number> {
    let count = 0;
    let pipeline = this.index.pipeline();
    for await (const doc of docs) {
      const unfinished = open(doc);
      if (unfinished === undefined) continue;
      const job: IndexedJob = {
        id: doc._id,
        queue: doc.queue,
        ownerId: doc.ownerId,
        contentId: doc.contentId,
        createdAt: new Date(doc.createdAt).getTime(),
      };
      this.index.addTo(pipeline, job, unfinished);
      if (++count % PAGE === 0) {
        await pipeline.exec();
        pipeline = this.index.pipeline();
      }
    }
    await pipeline.exec();
    return count;
  }

  private async fromLiveJobs(): Promise<number> {
    let count = 0;
    for (const name of this.registry.names()) {
      const queue = await this.registry.use(name);
      for (let start = 0; ; start += PAGE) {
        const jobs = (await queue.getJobs([...LIVE_STATES], start, start + PAGE - 1, true)).filter(
          (job): job is Job => !!job,
        );
        const pipeline = this.index.pipeline();
        for (const job of jobs) {
          const data = (job.data ?? {}) as object;
          this.index.addTo(
            pipeline,
            {
              id: job.id!,
              queue: name,
              ownerId: ownerOf(data) ?? SYSTEM_OWNER,
              contentId: contentOf(data),
              createdAt: job.timestamp,
            },
            true,
          );
        }
        await pipeline.exec();
        count += jobs.length;
        if (jobs.length < PAGE) break;
      }
    }
    return count;
  }
}
