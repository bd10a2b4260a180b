import type { BuiltInQueueName } from './contracts/queue-names';
import type { QUEUE_SET } from './queue-set';

/**
 * Queue → job name → payload class of the built-in queues, derived from the queue set, so the
 * typed helpers (QueuesService) cannot drift from the definitions. At run time the kernel reads
 * the same definitions through QueueCatalogue, and validates payloads on add and in the worker.
 */
type Definitions = (typeof QUEUE_SET)[number]['definition'];
type Registry = { [D in Definitions as D['spec']['name']]: D['jobs'] };

export type JobNameOf<Q extends BuiltInQueueName> = keyof Registry[Q] & string;

export type PayloadOf<
  Q extends BuiltInQueueName,
  N extends JobNameOf<Q>,
> = Registry[Q][N] extends new () => infer P ? P : never;
