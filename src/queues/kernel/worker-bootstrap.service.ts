import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { BullRegistrar } from '@nestjs/bullmq';
import type { Worker } from 'bullmq';
import { AppConfig, runsWorkers } from '../../config/app-config';
import type { QueueName } from '../contracts/queue-names';
import { bullTelemetry } from '../../infra/tracing/bullmq-telemetry';
import { CancelBus } from './cancel-bus';
import { KernelWorker } from './kernel-worker';
import { SHUTDOWN_ABORT } from '../contracts/job-errors';
import { throttled } from './throttled-log';
import { JobReconciler } from './job-reconciler.service';
import { QueueCatalogue } from './queue-catalogue.service';
import { buildWorkerOptions, internalWorkerOptions } from './worker-options';
import type { ClientSettings } from '../../infra/redis/redis-client';
import { RedisConnections } from '../../infra/redis/redis.module';

/**
 * Starts workers only in the roles that run them (APP_ROLE worker or all): BullModule is set to
 * `manualRegistration`, and here `BullRegistrar.register()` has @nestjs/bullmq build one Worker
 * per `@Processor` (a KernelWorker with the queue's configured concurrency, rate limit and stall
 * settings) and wire its `@OnWorkerEvent` methods; then each is run. A role without workers
 * creates none. It listens for cancel requests and runs the reconciler. On shutdown it lets
 * running jobs finish for SHUTDOWN_TIMEOUT_MS, then stops them (they are retried by the next
 * worker).
 */
@Injectable()
export class WorkerBootstrap implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Workers');
  private readonly workers = new Map<QueueName, Worker>();
  private reconcileTimer?: NodeJS.Timeout;

  constructor(
    private readonly catalogue: QueueCatalogue,
    private readonly registrar: BullRegistrar,
    private readonly cancelBus: CancelBus,
    private readonly reconciler: JobReconciler,
    private readonly config: ConfigService<AppConfig, true>,
    private readonly connections: RedisConnections,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!runsWorkers(this.config.get('role', { infer: true }))) return;
    const connect = (settings: ClientSettings) => this.connections.forBullMQ(settings);
    const jobs = this.config.get('jobs', { infer: true });
    const keys = this.config.get('redisKeys', { infer: true });
    const telemetry = bullTelemetry(this.config.get('otlpEndpoint', { infer: true }));
    // Queues outside the catalogue (the crons' maintenance queue) keep their @Processor's
    // concurrency and get the connection and stall settings.
    const settings = (queue: string) =>
      this.catalogue.has(queue)
        ? buildWorkerOptions(
            this.catalogue.spec(queue),
            connect,
            keys.bullPrefix(queue),
            jobs,
            telemetry,
          )
        : internalWorkerOptions(queue, connect, keys.bullPrefix(queue), jobs, telemetry);
    const built = KernelWorker.duringRegistration(settings, () => this.registrar.register());
    for (const worker of built) {
      this.workers.set(worker.name, worker);
      void worker.run().catch(throttled(this.logger, `worker ${worker.name}`));
    }
    await this.cancelBus.listen(({ queue, jobId, reason }) => {
      if (this.workers.get(queue)?.cancelJob(jobId, reason))
        this.logger.log(`cancelling active job ${jobId} (${queue})`);
    });
    this.logger.log(`workers running for ${[...this.workers.keys()].join(', ')}`);
    const reconcile = () =>
      void this.reconciler
        .runOnce()
        .catch((e: Error) => this.logger.warn(`reconciler: ${e.message}`));
    reconcile();
    this.reconcileTimer = setInterval(reconcile, jobs.reconcileIntervalMs);
  }

  /**
   * For readiness: in a role that runs workers, the queues whose worker is missing or not running
   * (empty when all run); undefined in a role without workers.
   */
  workersDown(): QueueName[] | undefined {
    if (!runsWorkers(this.config.get('role', { infer: true }))) return undefined;
    return this.catalogue.names().filter((queue) => !this.workers.get(queue)?.isRunning());
  }

  workerFor(queue: QueueName): Worker | undefined {
    return this.workers.get(queue);
  }

  /**
   * Lets running jobs finish for SHUTDOWN_TIMEOUT_MS; then aborts them (their AbortSignal fires:
   * ffmpeg and HTTP calls stop) with SHUTDOWN_ABORT, which hands each back to its queue unspent,
   * and waits for the workers to close. BullMQ's close() promise is shared by every later call, so
   * the jobs are aborted rather than asking for a second, forced close.
   */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.reconcileTimer);
    if (this.workers.size === 0) return;
    const timeoutMs = this.config.get('shutdownTimeoutMs', { infer: true });
    const workers = [...this.workers.values()];
    const closed = Promise.all(workers.map((w) => w.close()));
    if (await finishesWithin(closed, timeoutMs)) return;
    this.logger.warn(
      `jobs still running after ${timeoutMs} ms; stopping them (they will run again)`,
    );
    for (const worker of workers) worker.cancelAllJobs(SHUTDOWN_ABORT);
    if (!(await finishesWithin(closed, ABORT_GRACE_MS)))
      this.logger.warn('workers did not close; exiting anyway (their jobs stall and run again)');
  }
}

/** After the abort, how long handlers get to hand their jobs back before the process goes. */
const ABORT_GRACE_MS = 5000;

async function finishesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const finished = await Promise.race([
    work.then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]);
  clearTimeout(timer);
  return finished;
}
