import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config';
import { ProcessCopy } from '../infra/redis/process-copy';
import type { RedisClient } from '../infra/redis/redis-client';
import { REDIS_CLIENT } from '../infra/redis/redis.module';
import { Metrics } from '../infra/metrics/metrics';
import type { User } from './user.schema';

/** Signed-in users kept per process. */
const KEPT = 10_000;

/**
 * This process's copy of the users that signed-in requests name, so a request costs no database
 * read. A change to a user (role, deletion: UsersService, the one writer) is announced on
 * `<base>:principal-changed` after its write, and every process drops its copy (ProcessCopy:
 * what "at once" means, and when the copy is not used). AUTH_PRINCIPAL_CACHE_MS bounds an entry's
 * age; 0 reads the user on every request.
 */
@Injectable()
export class PrincipalCache implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly copy: ProcessCopy<User>;

  constructor(
    @Inject(REDIS_CLIENT) redis: RedisClient,
    config: ConfigService<AppConfig, true>,
    private readonly metrics: Metrics,
  ) {
    this.copy = new ProcessCopy(redis, config.get('redis', { infer: true }), {
      channel: `${config.get('redisKeys', { infer: true }).base}:principal-changed`,
      ttlMs: config.get('principalCacheMs', { infer: true }),
      kept: KEPT,
      name: 'principals',
    });
  }

  /** The user by id: from the copy when it may be trusted, else from `load` (kept if it may). */
  async get(userId: string, load: () => Promise<User | null>): Promise<User | null> {
    if (!this.copy.inUse) {
      this.metrics.principals.inc({ outcome: 'bypass' });
      return load();
    }
    const now = Date.now();
    const kept = this.copy.get(userId, now);
    if (kept) {
      this.metrics.principals.inc({ outcome: 'hit' });
      return kept;
    }
    this.metrics.principals.inc({ outcome: 'miss' });
    const mark = this.copy.mark();
    const user = await load();
    if (user) this.copy.keep(userId, user, mark, now);
    return user;
  }

  /** After a user's stored change: every process (this one at once) reads the user again. */
  changed(userId: string): Promise<void> {
    return this.copy.changed([userId]);
  }

  onApplicationBootstrap(): void {
    this.copy.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.copy.stop();
  }
}
