import { Processor } from '@nestjs/bullmq';
import { JobHandlers, KernelProcessor } from '../src/queues/kernel/kernel-processor';
import { workerOptionsSlot } from '../src/queues/kernel/worker-options';
import { JOB_NAMES, QUEUE_NAMES } from '../src/queues/contracts/queue-names';

/** A no-op job handler on the kernel's worker path: validation, records, events, logs all on. */
@Processor(QUEUE_NAMES.CONTENT_GENERATION, workerOptionsSlot(QUEUE_NAMES.CONTENT_GENERATION))
export class NoopProcessor extends KernelProcessor<typeof QUEUE_NAMES.CONTENT_GENERATION> {
  readonly queueName = QUEUE_NAMES.CONTENT_GENERATION;
  protected readonly handlers: JobHandlers<typeof QUEUE_NAMES.CONTENT_GENERATION> = {
    [JOB_NAMES.GENERATE_CONTENT]: () => Promise.resolve({ ok: true }),
  };
}
