// The queue system's public face, as the seed guide names it.
export { QueuesService } from './queues.service';
export { QueuesModule } from './queues.module';
export { JOB_PRIORITY } from './contracts/job-priority';
export type { JobPriority } from './contracts/job-priority';
export { QUEUE_NAMES, JOB_NAMES } from './contracts/queue-names';
export type { QueueName } from './contracts/queue-names';
export { QUEUE_CATALOGUE } from './contracts/queue-catalogue';
export type { JobNameOf, PayloadOf } from './job-registry';
export type { AcceptedJob, AddJobOptions, JobStatus } from './kernel/job-kernel.service';
export type { CancelOutcome } from './kernel/job-control';
export type { QueueCounts } from './kernel/queue-operations';
export {
  JobPayloadError,
  UnknownQueueError,
  JobNotFoundError,
  JobStateConflictError,
  JobIdConflictError,
  QueueUnavailableError,
  PermanentJobError,
} from './contracts/job-errors';
