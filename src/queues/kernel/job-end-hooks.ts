import { Injectable, Logger } from '@nestjs/common';
import type { FinishedOutcome } from '../contracts/job-context';
import { QueueCatalogue } from './queue-catalogue.service';

/**
 * The one place a job's end reaches its queue's own after-finish step — completed, failed or
 * cancelled, by a worker or before any worker took it (in every role: an API process that cancels
 * a waiting job runs its queue's end hook too).
 */
@Injectable()
export class JobEndHooks {
  private readonly logger = new Logger('JobEndHooks');

  constructor(private readonly catalogue: QueueCatalogue) {}

  /** Runs the queue's step for a job queued again by an admin retry; failures are logged. */
  async retried(queue: string, data: object): Promise<void> {
    try {
      await this.catalogue.processor(queue)?.onRetried?.(data);
    } catch (error) {
      this.logger.error(`retry step of a ${queue} job failed: ${(error as Error).message}`);
    }
  }

  /** Runs the queue's after-finish step; its failure is logged, never thrown to the caller. */
  async ended(queue: string, data: object, outcome: FinishedOutcome): Promise<void> {
    const processor = this.catalogue.processor(queue);
    try {
      await processor?.onFinished?.(data, outcome);
    } catch (error) {
      this.logger.error(`after-finish step of a ${queue} job failed: ${(error as Error).message}`);
    }
  }
}
