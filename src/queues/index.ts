// The queue system's public face, as the seed guide names it.
export { QueuesService } from './queues.service';
export { QueuesModule } from './queues.module';
export { JOB_PRIORITY } from './contracts/job-priority';
export type { JobPriority } from './contracts/job-priority';
export { QUEUE_NAMES, JOB_NAMES, BUILT_IN_QUEUES } from './contracts/queue-names';
export type { BuiltInQueueName, QueueName } from './contracts/queue-names';
export { defineQueue } from './contracts/queue-catalogue';
export type { QueueDefinition, QueueSpec } from './contracts/queue-catalogue';
export { QUEUE_SET } from './queue-set';
export type { QueueEntry } from './queue-set';
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
  OwnerErasedError,
} from './contracts/job-errors';
// What the app layer (HTTP, realtime, scheduler, admin board) uses.
export { CircuitBreakers } from './breakers/circuit-breakers';
export type { BreakerView } from './breakers/circuit-breakers';
export { PROVIDERS, isProviderName } from './contracts/providers';
export type { ProviderName } from './contracts/providers';
export { FailureGroups } from './failures/failure-groups';
export type { FailureGroup } from './failures/failure-groups';
export { FailureActions } from './failures/failure-actions';
export type { GroupActionResult } from './failures/failure-actions';
export { JobControl } from './kernel/job-control';
export { jobEventsStream } from './kernel/job-events';
export type { JobEvent } from './kernel/job-events';
export { JobHistory } from './kernel/job-history';
export { JobSearch } from './kernel/job-search';
export type { SearchFilter, SearchPage } from './kernel/job-search';
export { JobKernel } from './kernel/job-kernel.service';
export { JobExpiry } from './kernel/job-expiry';
export type { ExpiryReport } from './kernel/job-expiry';
export { JobReconciler } from './kernel/job-reconciler.service';
export { QueueInsights } from './kernel/queue-insights';
export { QueueOperations } from './kernel/queue-operations';
export { QueueRegistry } from './kernel/queue-registry';
export { StartEstimates } from './kernel/start-estimates';
export type { JobPlace } from './kernel/start-estimates';
export type { StartEstimate } from './kernel/start-estimate';
export { WorkerBootstrap } from './kernel/worker-bootstrap.service';
export { registerKernelQueue } from './kernel/register-kernel-queue';
export { JobIndex } from './records/job-index';
export { ErasedOwners, ERASED_USER, digestOf } from './records/erased-owners';
export { OwnerJobs } from './kernel/owner-jobs';
export type { OwnedJob } from './kernel/owner-jobs';
export { OwnerJobsPurge } from './kernel/owner-jobs-purge';
export type { IndexCursor } from './records/job-index';
export { JobIntents } from './records/job-intents';
export { JOB_STATES } from './records/job-record.schema';
export { JobRecordsService } from './records/job-records.service';
export { handOffJobId } from './scheduled-posts/scheduled-posts.processor';
export { FitsPlatforms } from './social-posting/fits-platforms.validator';
export { PostContentDto } from './social-posting/post-to-social.payload';
