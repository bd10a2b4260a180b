import { JobExpiry } from './job-expiry';
import { StartDeadlines } from './start-deadlines';
import { RedisModule } from '../../infra/redis/redis.module';
import { BullModule } from '@nestjs/bullmq';
import { KernelWorker } from './kernel-worker';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DiscoveryModule } from '@nestjs/core';
import { MongooseModule } from '@nestjs/mongoose';
import type { AppConfig } from '../../config/app-config';
import { RedisConnections } from '../../infra/redis/redis.module';
import { JobRecord, JobRecordSchema } from '../records/job-record.schema';
import { JobIndex } from '../records/job-index';
import { JobIndexRebuild } from '../records/job-index-rebuild';
import { JobIntents } from '../records/job-intents';
import { JobRecordsService } from '../records/job-records.service';
import { FinishedRecords } from '../records/finished-records';
import { ErasedOwners } from '../records/erased-owners';
import { DerivedIndexModule } from '../../infra/derived-index/derived-index.module';
import { MetricsModule } from '../../infra/metrics/metrics.module';
import { CancelBus } from './cancel-bus';
import { JobEventsPublisher } from './job-events';
import { FairShare } from './fair-share';
import { JobKernel } from './job-kernel.service';
import { JobControl } from './job-control';
import { JobEndHooks } from './job-end-hooks';
import { JobEnding } from './job-ending';
import { JobHistory } from './job-history';
import { JobLifecycle } from './job-lifecycle';
import { JobLookup } from './job-lookup';
import { bullTelemetry } from '../../infra/tracing/bullmq-telemetry';
import { QueueInsights } from './queue-insights';
import { QueueOperations } from './queue-operations';
import { JobReconciler } from './job-reconciler.service';
import { CircuitBreakers } from '../breakers/circuit-breakers';
import { FailureActions } from '../failures/failure-actions';
import { FailureGroups } from '../failures/failure-groups';
import { JobSearch } from './job-search';
import { OwnerJobs } from './owner-jobs';
import { OwnerJobsPurge } from './owner-jobs-purge';
import { QueueCatalogue } from './queue-catalogue.service';
import { QueueRegistry } from './queue-registry';
import { StartEstimates } from './start-estimates';
import { WorkerBootstrap } from './worker-bootstrap.service';

// Every @Processor's Worker is a KernelWorker (options known only at run time; see its comment).
BullModule.workerClass = KernelWorker;

/**
 * BullMQ's connection, job records, and the kernel services every queue module uses. Each queue's
 * module registers its own BullMQ queue; QueueCatalogue finds the queues through their processors,
 * and WorkerBootstrap starts their workers in the roles that run them.
 */
@Module({
  imports: [
    RedisModule,
    DiscoveryModule,
    BullModule.forRootAsync({
      imports: [RedisModule],
      inject: [ConfigService, RedisConnections],
      useFactory: (config: ConfigService<AppConfig, true>, connections: RedisConnections) => ({
        // Producers sit on the HTTP path: fail fast while Redis is away (workers override this).
        connection: connections.forBullMQ({ name: 'click-api:queue', patience: 'fail-fast' }),
        // On a Redis Cluster each queue has a prefix of its own (registerKernelQueue).
        prefix: config.get('redisPrefix', { infer: true }),
        telemetry: bullTelemetry(config.get('otlpEndpoint', { infer: true })),
      }),
      // Workers start only in the roles that run them (WorkerBootstrap registers them).
      extraOptions: { manualRegistration: true },
    }),
    MongooseModule.forFeature([{ name: JobRecord.name, schema: JobRecordSchema }]),
    DerivedIndexModule,
    MetricsModule,
  ],
  providers: [
    QueueCatalogue,
    QueueRegistry,
    FailureGroups,
    FailureActions,
    CircuitBreakers,
    JobIndex,
    JobIndexRebuild,
    JobIntents,
    ErasedOwners,
    FinishedRecords,
    JobRecordsService,
    JobLookup,
    JobHistory,
    JobSearch,
    QueueInsights,
    JobEventsPublisher,
    CancelBus,
    JobKernel,
    FairShare,
    JobControl,
    QueueOperations,
    StartEstimates,
    JobLifecycle,
    JobReconciler,
    JobEndHooks,
    JobEnding,
    StartDeadlines,
    JobExpiry,
    WorkerBootstrap,
    OwnerJobs,
    OwnerJobsPurge,
  ],
  // What the queue folders and the app layer (through src/queues/index.ts) inject; the rest
  // (catalogue, lookup, fair share, event publisher, end recording) stays inside.
  exports: [
    JobKernel,
    JobExpiry,
    JobControl,
    JobHistory,
    JobSearch,
    QueueRegistry,
    QueueOperations,
    QueueInsights,
    StartEstimates,
    JobRecordsService,
    JobIndex,
    JobIntents,
    JobReconciler,
    FailureGroups,
    FailureActions,
    CircuitBreakers,
    ErasedOwners,
    OwnerJobs,
    OwnerJobsPurge,
    WorkerBootstrap,
    // Injected into every queue's processor (KernelProcessor's @OnWorkerEvent methods).
    JobLifecycle,
  ],
})
export class QueueKernelModule {}
