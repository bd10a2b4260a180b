import { getQueueToken } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import type { QueueSpec } from '../contracts/queue-catalogue';
import type { QueueName } from '../contracts/queue-names';
import { QueueUnavailableError } from '../contracts/job-errors';
import { QueueCatalogue } from './queue-catalogue.service';

const READY_TIMEOUT_MS = 2000;

import { throttled } from './throttled-log';

/**
 * The BullMQ Queue object of every queue in the catalogue (each queue's module registers it with
 * BullModule), each with an error listener so an outage cannot crash us.
 */
@Injectable()
export class QueueRegistry implements OnModuleInit, BeforeApplicationShutdown {
  private readonly queues = new Map<QueueName, Queue>();
  private readonly logger = new Logger('Queues');

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly catalogue: QueueCatalogue,
  ) {}

  onModuleInit(): void {
    for (const name of this.catalogue.names()) {
      const queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
      queue.on('error', throttled(this.logger, name));
      this.queues.set(name, queue);
    }
  }

  get(name: QueueName): Queue {
    return this.queues.get(name)!;
  }

  /**
   * The queue once its connection is ready. A queue whose first connection has not come up waits
   * for it without limit; on the request path that would hang, so this gives up after a moment.
   */
  async use(name: QueueName): Promise<Queue> {
    const queue = this.get(name);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        queue.waitUntilReady(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`Redis did not answer within ${READY_TIMEOUT_MS} ms`)),
            READY_TIMEOUT_MS,
          );
        }),
      ]);
    } catch (error) {
      throw new QueueUnavailableError(error);
    } finally {
      clearTimeout(timer);
    }
    return queue;
  }

  /** Resolves a name from outside (URL, admin input); unknown names list the valid ones. */
  resolve(name: string): QueueName {
    return this.catalogue.resolve(name);
  }

  has(name: string): boolean {
    return this.queues.has(name);
  }

  /** For a `queue` filter from outside: what is wrong with it, if anything (a 400's message). */
  filterProblem(queue: unknown): string | undefined {
    if (queue === undefined || (typeof queue === 'string' && this.has(queue))) return undefined;
    return `queue must be one of ${this.names().join(', ')}`;
  }

  /** Every queue's name (the catalogue's). */
  names(): QueueName[] {
    return [...this.queues.keys()];
  }

  /** The queue's catalogue row with this deployment's overrides. */
  spec(name: QueueName): QueueSpec {
    return this.catalogue.spec(name);
  }

  all(): [QueueName, Queue][] {
    return [...this.queues];
  }

  /**
   * Before @nestjs/bullmq closes the queues: a connection still reconnecting (Redis away, or just
   * back) gets a moment to come up, then is dropped, so its close does not fail the shutdown
   * ("Stream isn't writeable"): nothing is pending on a fail-fast connection anyway.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(
      [...this.queues.values()].map(async (queue) => {
        const client = await Promise.race([
          queue.backend.connection.client,
          sleep(SHUTDOWN_READY_MS),
        ]);
        if (!client || client.status === 'ready' || client.status === 'end') return;
        await Promise.race([
          new Promise<void>((resolve) => client.once('ready', () => resolve())),
          sleep(SHUTDOWN_READY_MS),
        ]);
        if (client.status !== 'ready') client.disconnect();
      }),
    );
  }
}

const SHUTDOWN_READY_MS = 2000;
const sleep = (ms: number) =>
  new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref());
