import { Injectable, Logger } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { FinishedOutcome } from '../contracts/job-context';
import type { QueueName } from '../contracts/queue-names';
import { JOB_PAYLOADS } from '../job-registry';
import { KernelProcessor } from './kernel-processor';

/**
 * Each queue's processor, found among the app's providers (in every role: an API process that
 * cancels a waiting job runs its queue's end hook too), checked once: one per queue, a handler for
 * every job name of its queue. `ended` is the one place a job's end reaches its queue's own
 * after-finish step — completed, failed or cancelled, by a worker or before any worker took it.
 */
@Injectable()
export class JobEndHooks {
  private readonly logger = new Logger('JobEndHooks');
  private byQueue?: Map<QueueName, KernelProcessor>;

  constructor(private readonly discovery: DiscoveryService) {}

  processors(): KernelProcessor[] {
    return [...this.map().values()];
  }

  /** Runs the queue's after-finish step; its failure is logged, never thrown to the caller. */
  async ended(queue: QueueName, data: object, outcome: FinishedOutcome): Promise<void> {
    const processor = this.map().get(queue);
    try {
      await processor?.onFinished?.(data, outcome);
    } catch (error) {
      this.logger.error(`after-finish step of a ${queue} job failed: ${(error as Error).message}`);
    }
  }

  private map(): Map<QueueName, KernelProcessor> {
    if (this.byQueue) return this.byQueue;
    const byQueue = new Map<QueueName, KernelProcessor>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as unknown;
      if (!(instance instanceof KernelProcessor)) continue;
      const processor = instance as KernelProcessor;
      const queue: QueueName = processor.queueName;
      if (byQueue.has(queue)) throw new Error(`two processors for queue ${queue}`);
      const expected = Object.keys(JOB_PAYLOADS[queue]).sort().join(',');
      if (processor.jobNames.sort().join(',') !== expected)
        throw new Error(`processor for ${queue} must handle exactly: ${expected}`);
      byQueue.set(queue, processor);
    }
    this.byQueue = byQueue;
    return byQueue;
  }
}
