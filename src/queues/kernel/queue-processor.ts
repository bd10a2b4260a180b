import type { Worker } from 'bullmq';
import type { FinishedOutcome } from '../contracts/job-context';
import type { QueueDefinition } from '../contracts/queue-catalogue';

/**
 * What the kernel asks of a queue's processor (KernelProcessor implements it): its definition,
 * the job names it handles, and its end and retry hooks. QueueCatalogue finds processors by
 * their `@Processor` decorator and this shape, so it needs nothing of how they run jobs.
 */
export interface QueueProcessor {
  readonly definition: QueueDefinition;
  readonly queueName: string;
  readonly jobNames: string[];
  /** Its BullMQ worker: built by @nestjs/bullmq when workers are registered (throws before). */
  readonly worker: Worker;
  /** Called once per job that finished for good, after its record is updated. */
  onFinished?(payload: object, outcome: FinishedOutcome): Promise<void>;
  /** Called when an admin queues a failed or cancelled job again (its record is reset). */
  onRetried?(payload: object): Promise<void>;
}

export function isQueueProcessor(value: unknown): value is QueueProcessor {
  const candidate = value as Partial<QueueProcessor> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.definition === 'object' &&
    Array.isArray(candidate.jobNames)
  );
}
