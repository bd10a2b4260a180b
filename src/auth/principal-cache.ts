import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config';
import { watchConnection } from '../infra/redis/connection-watch';
import { createRedisClient, type RedisClient } from '../infra/redis/redis-client';
import { REDIS_CLIENT } from '../infra/redis/redis.module';
import { Metrics } from '../infra/metrics/metrics';
import type { User } from './user.schema';

/** Signed-in users kept per process; past it the oldest goes (Map order is insertion order). */
const KEPT = 10_000;

interface Entry {
  user: User;
  at: number;
}

/**
 * This process's copy of the users that signed-in requests name, so a request costs no database
 * read. A change to a user (role, deletion: UsersService, the one writer) is published on
 * `<base>:principal-changed` after its write; every process drops its copy on the message, so the
 * next request reads the user again. "At once" is the message's way through Redis (a loopback
 * round trip, well under a millisecond): Redis hands it to every subscriber before it answers the
 * PUBLISH, so by the time the change's own request answers, each process has it on its socket.
 *
 * The copy is used only while its subscription is up: connecting or reconnecting (a message may
 * have been missed meanwhile) every request reads the database, and the copy starts empty once
 * subscribed again. A load that overlapped a change is not kept (a generation count), so a stale
 * read cannot outlive the message. AUTH_PRINCIPAL_CACHE_MS bounds an entry's age all the same
 * (the one case it covers: a process whose PUBLISH failed while the others' Redis link held).
 */
@Injectable()
export class PrincipalCache implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly entries = new Map<string, Entry>();
  private readonly channel: string;
  private readonly ttlMs: number;
  private readonly logger = new Logger('PrincipalCache');
  private subscriber?: RedisClient;
  private subscribed = false;
  private generation = 0;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly config: ConfigService<AppConfig, true>,
    private readonly metrics: Metrics,
  ) {
    this.channel = `${config.get('redisKeys', { infer: true }).base}:principal-changed`;
    this.ttlMs = config.get('principalCacheMs', { infer: true });
  }

  /** The user by id: from the copy when it may be trusted, else from `load` (kept if it may). */
  async get(userId: string, load: () => Promise<User | null>): Promise<User | null> {
    if (!this.subscribed) {
      this.metrics.principals.inc({ outcome: 'bypass' });
      return load();
    }
    const now = Date.now();
    const entry = this.entries.get(userId);
    if (entry && now - entry.at < this.ttlMs) {
      this.metrics.principals.inc({ outcome: 'hit' });
      return entry.user;
    }
    this.metrics.principals.inc({ outcome: 'miss' });
    const generation = this.generation;
    const user = await load();
    if (user && this.subscribed && generation === this.generation) this.keep(userId, user, now);
    return user;
  }

  /** After a user's stored change: every process (this one at once) reads the user again. */
  async changed(userId: string): Promise<void> {
    this.drop(userId);
    await this.redis
      .publish(this.channel, userId)
      .catch((error: Error) =>
        this.logger.warn(
          `change of a user not announced (${error.message}); copies lapse in ${this.ttlMs} ms`,
        ),
      );
  }

  private keep(userId: string, user: User, at: number): void {
    this.entries.delete(userId);
    if (this.entries.size >= KEPT) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(userId, { user, at });
  }

  private drop(userId: string): void {
    this.generation++;
    this.entries.delete(userId);
  }

  /** Subscribes on a connection of its own (not at all with AUTH_PRINCIPAL_CACHE_MS=0). */
  onApplicationBootstrap(): void {
    if (this.ttlMs === 0) return;
    const subscriber = createRedisClient(this.config.get('redis', { infer: true }), {
      name: 'click-api:principals',
      patience: 'patient',
    });
    watchConnection(subscriber, 'principal changes', this.logger);
    subscriber.on('message', (_channel: string, userId: string) => this.drop(userId));
    const lost = () => {
      this.subscribed = false;
      this.generation++;
      this.entries.clear();
    };
    subscriber.on('close', lost);
    subscriber.on('ready', () => {
      subscriber.subscribe(this.channel).then(
        () => {
          lost();
          this.subscribed = true;
        },
        () => undefined,
      );
    });
    this.subscriber = subscriber;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }
}
