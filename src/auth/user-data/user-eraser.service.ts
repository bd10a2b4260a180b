import { ConflictException, Inject, Injectable, Logger } from '@nestjs/common';
import { idempotencyKeys } from '../../common/idempotency-keys';
import { ConfigService } from '@nestjs/config';
import type { RedisClient } from '../../infra/redis/redis-client';
import type { AppConfig } from '../../config/app-config';
import { withRedisLease } from '../../infra/redis/redis-lock';
import { REDIS_CLIENT } from '../../infra/redis/redis.module';
import { AuditLogService } from '../../jobs/audit/audit-log.service';
import { digestOf, OwnerJobs, OwnerJobsPurge } from '../../queues';
import { AdminRoster } from '../admin-roster';
import type { User } from '../user.schema';
import { UsersService } from '../users.service';
import { contentIdsOf, UserDomainEraser } from './user-domain-eraser';

/** What an erase removed (no ids: the report is audited). */
export interface EraseReport {
  jobs: number;
  contents: number;
  auditEntriesTombstoned: number;
  tookMs: number;
}

const LEASE_MS = 60_000;

/**
 * Erases a user and everything the product holds about them. Order matters:
 * 1. the owner is marked erased (ErasedOwners) — from then on no process writes, adds, runs or
 *    announces anything of theirs — and their live jobs are stopped through the cancel path;
 * 2. their data is deleted where it lives (domain documents and files, then the queue system's
 *    jobs, records, indexes and event streams), audit entries keep the action but not the user;
 * 3. the user and their address claim go last, so an erase cut short can simply be run again
 *    (the user can still sign in and ask again; a second erase after a complete one is a 404).
 * One erase per user at a time (a Redis lease); the last admin is refused before anything.
 */
@Injectable()
export class UserEraser {
  private readonly prefix: string;
  private readonly logger = new Logger('UserEraser');

  constructor(
    private readonly users: UsersService,
    private readonly admins: AdminRoster,
    private readonly ownerJobs: OwnerJobs,
    private readonly purge: OwnerJobsPurge,
    private readonly domain: UserDomainEraser,
    private readonly audit: AuditLogService,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    config: ConfigService<AppConfig, true>,
  ) {
    this.prefix = config.get('redisKeys', { infer: true }).base;
  }

  async erase(user: User): Promise<EraseReport> {
    const userId = user._id.toHexString();
    const lease = await withRedisLease(
      this.redis,
      `${this.prefix}:lock:erase:${digestOf(userId)}`,
      LEASE_MS,
      () => this.eraseNow(user, userId),
    );
    if (!lease.acquired) throw new ConflictException('This account is already being erased');
    return lease.value;
  }

  private async eraseNow(user: User, userId: string): Promise<EraseReport> {
    const started = Date.now();
    if (user.role === 'admin' && !(await this.admins.removeUnlessLast(userId)))
      throw new ConflictException(
        'The last admin cannot be deleted: make another user an admin first',
      );
    try {
      const jobs = await this.ownerJobs.stopAll(userId);
      const contents = await this.domain.contentsOf(userId, jobs);
      await this.domain.erase(userId, jobs, contents);
      await this.purge.purge(userId, jobs, contentIdsOf(jobs));
      await this.forgetIdempotencyKeys(userId);
      const auditEntriesTombstoned = await this.audit.tombstone(userId, user.email);
      await this.users.delete(user);
      const report = {
        jobs: jobs.length,
        contents: contents.length,
        auditEntriesTombstoned,
        tookMs: Date.now() - started,
      };
      this.logger.log({ msg: 'user erased', ...report });
      return report;
    } catch (error) {
      // Not erased after all (it can be run again): still an admin.
      if (user.role === 'admin') await this.admins.add(userId).catch(() => undefined);
      throw error;
    }
  }

  /**
   * The answers kept for their Idempotency-Keys (24 h), named in the user's set of them (no scan
   * of the keyspace). All of a user's keys share one slot on a Redis Cluster.
   */
  private async forgetIdempotencyKeys(userId: string): Promise<void> {
    const { index } = idempotencyKeys(this.prefix, userId);
    const answers = await this.redis.smembers(index);
    for (let i = 0; i < answers.length; i += 500)
      await this.redis.del(...answers.slice(i, i + 500));
    await this.redis.del(index);
  }
}
