import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DiscoveryService } from '@nestjs/core';
import type { AppConfig } from '../../config/app-config';
import { applyQueueOverride, queueEnvKey } from '../../config/queue-config';
import type { PayloadClass, QueueSpec } from '../contracts/queue-catalogue';
import { QUEUE_NAME_PATTERN } from '../contracts/queue-names';
import { UnknownQueueError } from '../contracts/job-errors';
import { isQueueProcessor, type QueueProcessor } from './queue-processor';
// Not re-exported by the package's index: the key its @Processor decorator stores the queue under.
import { PROCESSOR_METADATA } from '@nestjs/bullmq/dist/bull.constants';

interface Known {
  processor: QueueProcessor;
  spec: QueueSpec;
}

/**
 * The queues this app runs, found at start-up among its providers: every QueueProcessor brings
 * its queue's definition (catalogue row, job names, payload classes) and names it in its
 * `@Processor`. A queue is added by adding
 * its folder's module to the app (src/queues/queue-set.ts); nothing else lists queues. Checked
 * once, when first asked: names unique and well-formed, a handler for exactly the definition's
 * jobs, and every QUEUE_<NAME>_* setting naming a queue that exists.
 */
@Injectable()
export class QueueCatalogue {
  private known?: Map<string, Known>;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  /** Every queue's name, in the order the app's modules list them. */
  names(): string[] {
    return [...this.all().keys()];
  }

  has(name: string): boolean {
    return this.all().has(name);
  }

  /** A name from outside (URL, admin input); unknown names list the valid ones. */
  resolve(name: string): string {
    if (!this.has(name)) throw new UnknownQueueError(name, this.names());
    return name;
  }

  /** The queue's catalogue row with this deployment's QUEUE_<NAME>_* overrides. */
  spec(name: string): QueueSpec {
    return this.get(name).spec;
  }

  payloadClass(queue: string, job: string): PayloadClass | undefined {
    return (this.get(queue).processor.definition.jobs as Record<string, PayloadClass>)[job];
  }

  jobNames(queue: string): string[] {
    return Object.keys(this.get(queue).processor.definition.jobs);
  }

  processor(queue: string): QueueProcessor | undefined {
    return this.all().get(queue)?.processor;
  }

  processors(): QueueProcessor[] {
    return [...this.all().values()].map((k) => k.processor);
  }

  private get(name: string): Known {
    const known = this.all().get(name);
    if (!known) throw new UnknownQueueError(name, this.names());
    return known;
  }

  private all(): Map<string, Known> {
    if (this.known) return this.known;
    const overrides = this.config.get('jobs', { infer: true }).queueOverrides;
    const known = new Map<string, Known>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as unknown;
      if (!isQueueProcessor(instance)) continue;
      const processor = instance;
      const { spec, jobs } = processor.definition;
      if (!QUEUE_NAME_PATTERN.test(spec.name))
        throw new Error(`queue name "${spec.name}" must match ${String(QUEUE_NAME_PATTERN)}`);
      if (known.has(spec.name)) throw new Error(`two processors for queue ${spec.name}`);
      const decorated = processorQueueOf(processor);
      if (decorated !== spec.name)
        throw new Error(
          `${processor.constructor.name} must be decorated @Processor('${spec.name}') (has ${decorated ?? 'none'})`,
        );
      const expected = Object.keys(jobs).sort().join(',');
      if (processor.jobNames.sort().join(',') !== expected)
        throw new Error(`processor for ${spec.name} must handle exactly: ${expected}`);
      known.set(spec.name, {
        processor,
        spec: applyQueueOverride(spec, overrides[queueEnvKey(spec.name)]),
      });
    }
    const keys = new Set([...known.keys()].map(queueEnvKey));
    const stray = Object.keys(overrides).filter((key) => !keys.has(key));
    if (stray.length)
      throw new Error(
        `QUEUE_${stray[0]}_* names no queue (queues: ${[...known.keys()].join(', ')})`,
      );
    this.known = known;
    return known;
  }
}

/** The queue name a processor class's `@Processor` decorator gives (undefined without one). */
function processorQueueOf(processor: QueueProcessor): string | undefined {
  const meta = Reflect.getMetadata(PROCESSOR_METADATA, processor.constructor) as
    { name?: string } | undefined;
  return meta?.name;
}
