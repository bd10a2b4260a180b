import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectModel } from '@nestjs/mongoose';
import type { RedisClient } from '../infra/redis/redis-client';
import type { Model } from 'mongoose';
import type { AppConfig } from '../config/app-config';
import { DerivedIndex, DerivedIndexes } from '../infra/derived-index/derived-indexes.service';
import { REDIS_CLIENT } from '../infra/redis/redis.module';
import { User } from './user.schema';

/** Removes ARGV[1] unless no other admin would be left; 1 if removed (or was not there), 0 if refused. */
const REMOVE_UNLESS_LAST = `
local member = redis.call('sismember', KEYS[1], ARGV[1])
if redis.call('scard', KEYS[1]) - member < 1 then return 0 end
redis.call('srem', KEYS[1], ARGV[1])
return 1`;

/**
 * The admins' ids, a Redis set `${prefix}:idx:admins`, so "is this the last admin?" is one SCARD
 * rather than a count of users by role (a scan on FerretDB). Kept by UsersService as roles are
 * given; rebuilt from `users` by one background scan.
 */
@Injectable()
export class AdminRoster implements DerivedIndex, OnModuleInit {
  readonly name = 'admins';
  private readonly key: string;

  constructor(
    @InjectModel(User.name) private readonly model: Model<User>,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly indexes: DerivedIndexes,
    config: ConfigService<AppConfig, true>,
  ) {
    this.key = `${config.get('redisKeys', { infer: true }).base}:idx:admins`;
  }

  onModuleInit(): void {
    this.indexes.register(this);
  }

  async add(userId: string): Promise<void> {
    await this.redis.sadd(this.key, userId);
  }

  async remove(userId: string): Promise<void> {
    await this.redis.srem(this.key, userId);
  }

  /** Takes the admin off the roster, atomically refused (false) when no other admin is left. */
  async removeUnlessLast(userId: string): Promise<boolean> {
    return (await this.redis.eval(REMOVE_UNLESS_LAST, 1, this.key, userId)) === 1;
  }

  /** One scan of `users` for the admins (runs rarely, in the background). */
  async rebuild(): Promise<number> {
    const admins = await this.model.find({ role: 'admin' }, { _id: 1 }).lean<User[]>().exec();
    if (admins.length) await this.redis.sadd(this.key, ...admins.map((a) => a._id.toHexString()));
    return admins.length;
  }
}
