import { Worker, type Processor, type WorkerOptions } from 'bullmq';

/** Options for one queue's worker, from its catalogue row and this deployment's config. */
export type WorkerSettings = (queue: string) => WorkerOptions;

/**
 * The Worker class @nestjs/bullmq builds for each `@Processor` (set as `BullModule.workerClass`).
 * The explorer hands a worker only the queue's connection, prefix and telemetry plus the
 * decorator's static options; ours need what is known only at run time: the queue's
 * concurrency and limiter with their `QUEUE_<NAME>_*` overrides, the stall settings, and a
 * connection that waits through a Redis outage (the queue's own fails fast, for the HTTP path).
 * Lock duration and connection are fixed when a Worker is constructed, so setting them after
 * `register()` is too late; WorkerBootstrap passes them in for the one synchronous
 * `BullRegistrar.register()` call that constructs every worker (see `duringRegistration`).
 */
export class KernelWorker extends Worker {
  private static settings?: WorkerSettings;
  private static built: KernelWorker[] = [];

  /**
   * Runs `register` (synchronous: it constructs every worker) with `settings` in force; returns
   * the workers it built (not running yet: `autorun` is off until their owner runs them).
   */
  static duringRegistration(settings: WorkerSettings, register: () => void): KernelWorker[] {
    KernelWorker.settings = settings;
    KernelWorker.built = [];
    try {
      register();
      return KernelWorker.built;
    } finally {
      KernelWorker.settings = undefined;
      KernelWorker.built = [];
    }
  }

  constructor(name: string, processor: Processor, options: WorkerOptions) {
    const settings = KernelWorker.settings;
    if (!settings)
      throw new Error(
        `worker for ${name} created outside WorkerBootstrap (set extraOptions.manualRegistration)`,
      );
    super(name, processor, { ...options, ...settings(name), autorun: false });
    KernelWorker.built.push(this);
  }
}
