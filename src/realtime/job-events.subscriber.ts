import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createRedisClient, type RedisClient } from '../infra/redis/redis-client';
import type { AppConfig } from '../config/app-config';
import { watchConnection } from '../infra/redis/connection-watch';
import { JobEvent, jobEventsStream } from '../queues';

const BLOCK_MS = 5000;
const READ_COUNT = 500;
const RETRY_MS = 500;

/**
 * Reads the job events every worker process appends to one Redis stream (JobEventsPublisher:
 * entries of JSON arrays, in the order things happened) and hands each event to `handler`. One
 * reader per API process; each process forwards only to its own sockets. It starts after the
 * stream's last entry and, after a lost connection, goes on from the last entry it read, so a
 * Redis restart (with its data) loses no event. After a Redis that lost its data, the new
 * entries' ids (times) are past the last one read, so they are read too.
 */
@Injectable()
export class JobEventsSubscriber implements OnApplicationShutdown {
  private readonly logger = new Logger('JobEventsSubscriber');
  private reader?: RedisClient;
  private closed = false;

  constructor(private readonly config: ConfigService<AppConfig, true>) {}

  listen(handler: (event: JobEvent) => void): void {
    const reader = createRedisClient(this.config.get('redis', { infer: true }), {
      name: 'click-api:job-events',
      patience: 'patient',
    });
    watchConnection(reader, 'job events', this.logger);
    this.reader = reader;
    // Not awaited: with Redis away at boot the app still starts, and reads once Redis answers.
    void this.consume(
      reader,
      jobEventsStream(this.config.get('redisKeys', { infer: true }).base),
      handler,
    );
  }

  private async consume(
    reader: RedisClient,
    stream: string,
    handler: (event: JobEvent) => void,
  ): Promise<void> {
    let lastId: string | undefined;
    while (!this.closed) {
      try {
        // An empty stream starts from 0-0: every entry added from now on is after it.
        lastId ??= (await reader.xrevrange(stream, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
        const reply = await reader.xread(
          'COUNT',
          READ_COUNT,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          stream,
          lastId,
        );
        for (const [, entries] of reply ?? [])
          for (const [id, fields] of entries) {
            lastId = id;
            for (const event of this.parse(fields)) this.deliver(handler, event);
          }
      } catch (error) {
        if (this.closed) return;
        this.logger.debug(`job events not read (${(error as Error).message}); retrying`);
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  }

  private deliver(handler: (event: JobEvent) => void, event: JobEvent): void {
    try {
      handler(event);
    } catch (error) {
      this.logger.warn(
        `job event ${event.type} of ${event.jobId} not forwarded: ${(error as Error).message}`,
      );
    }
  }

  private parse(fields: string[]): JobEvent[] {
    const json = fields[fields.indexOf('events') + 1];
    try {
      const events = JSON.parse(json ?? '') as unknown;
      if (Array.isArray(events)) return events as JobEvent[];
    } catch {
      // fall through
    }
    this.logger.warn('a malformed job events entry was ignored');
    return [];
  }

  onApplicationShutdown(): void {
    this.closed = true;
    // A blocked XREAD would hold quit() up to BLOCK_MS: close the socket instead.
    this.reader?.disconnect();
  }
}
