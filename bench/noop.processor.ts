import { Processor } from '@nestjs/bullmq';
import { JobHandlers, KernelProcessor } from '../src/queues/kernel/kernel-processor';
import { JOB_NAMES } from '../src/queues/contracts/queue-names';
import { CONTENT_GENERATION_QUEUE } from '../src/queues/content-generation/content-generation.queue';

/** A no-op job handler on the kernel's worker path: validation, records, events and metrics on; logs at warn (the bench runs without the request-logging module). */
@Processor(CONTENT_GENERATION_QUEUE.spec.name)
export class NoopProcessor extends KernelProcessor<typeof CONTENT_GENERATION_QUEUE> {
  readonly definition = CONTENT_GENERATION_QUEUE;
  protected readonly handlers: JobHandlers<typeof CONTENT_GENERATION_QUEUE> = {
    [JOB_NAMES.GENERATE_CONTENT]: () => Promise.resolve({ ok: true }),
  };
}
