import { ConflictException, Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectModel } from '@nestjs/mongoose';
import type { RedisClient } from '../infra/redis/redis-client';
import { isValidObjectId, Model, Types } from 'mongoose';
import type { AppConfig } from '../config/app-config';
import { withRedisLock } from '../infra/redis/redis-lock';
import { REDIS_CLIENT } from '../infra/redis/redis.module';
import { isDuplicateKey } from '../infra/mongo/one-time-migration';
import { hashPassword, UNKNOWN_USER_HASH, verifyPassword } from './password-hasher';
import { emailKey, UserEmail } from './user-email.schema';
import { Role, User } from './user.schema';
import { AdminRoster } from './admin-roster';
import { PrincipalCache } from './principal-cache';

/**
 * A claim on an address whose user is still missing this long after it was made is left over
 * from a crash between the two inserts of a registration; younger, it may be one in progress.
 */
const ABANDONED_AFTER_MS = 60_000;
const TAKEOVER_LOCK_MS = 10_000;

/**
 * Users, found by `_id` only: an email leads to its user through `user_emails` (two `_id`
 * lookups), because FerretDB scans the whole collection for a filter on `email`. The one writer
 * of a user: each change is announced to every process's PrincipalCache after it is stored.
 */
@Injectable()
export class UsersService {
  private readonly lockPrefix: string;

  constructor(
    @InjectModel(User.name) private readonly model: Model<User>,
    @InjectModel(UserEmail.name) private readonly emails: Model<UserEmail>,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    config: ConfigService<AppConfig, true>,
    private readonly admins: AdminRoster,
    private readonly principals: PrincipalCache,
  ) {
    this.lockPrefix = `${config.get('redisKeys', { infer: true }).base}:lock:user-email:`;
  }

  /** The address is claimed first, then the user written under the id the claim names. */
  async create(fields: {
    email: string;
    password: string;
    name: string;
    role?: Role;
  }): Promise<User> {
    const passwordHash = await hashPassword(fields.password);
    const _id = new Types.ObjectId();
    const email = emailKey(fields.email);
    await this.claimEmail(email, _id.toHexString());
    try {
      const doc = await this.model.create({
        _id,
        email,
        passwordHash,
        name: fields.name,
        role: fields.role ?? 'user',
      });
      if (doc.role === 'admin') await this.admins.add(_id.toHexString());
      return doc.toObject();
    } catch (error) {
      // The unique index on users.email (kept for MongoDB) refused it: the address has an account.
      if (isDuplicateKey(error)) throw conflict();
      await this.releaseClaim(email, _id);
      throw error;
    }
  }

  /**
   * The user whose email and password these are, or null. The same work is done whether or not
   * the account exists, so timing does not tell which emails have accounts.
   */
  async withPassword(email: string, password: string): Promise<User | null> {
    const user = await this.findByEmail(email);
    const ok = await verifyPassword(password, user?.passwordHash ?? UNKNOWN_USER_HASH);
    return user && ok ? user : null;
  }

  async findByEmail(email: string): Promise<User | null> {
    const key = emailKey(email);
    const claim = await this.emails.findById(key).lean<UserEmail>().exec();
    const user = claim ? await this.findById(claim.userId) : null;
    return user?.email === key ? user : null;
  }

  findById(id: string): Promise<User | null> {
    return isValidObjectId(id)
      ? this.model.findById(id).lean<User>().exec()
      : Promise.resolve(null);
  }

  async setRole(id: Types.ObjectId, role: Role): Promise<void> {
    await this.model.updateOne({ _id: id }, { $set: { role } });
    if (role === 'admin') await this.admins.add(id.toHexString());
    else await this.admins.remove(id.toHexString());
    await this.principals.changed(id.toHexString());
  }

  /** Deletes the user and the claim on their address (their erase's last step), by `_id`. */
  async delete(user: Pick<User, '_id' | 'email'>): Promise<void> {
    await this.emails.deleteOne({ _id: emailKey(user.email) });
    await this.model.deleteOne({ _id: user._id });
    await this.principals.changed(user._id.toHexString());
  }

  /** Claims `email` for `userId`; 409 if an account (or a registration in progress) has it. */
  private async claimEmail(email: string, userId: string): Promise<void> {
    try {
      await this.emails.create({ _id: email, userId, createdAt: new Date() });
      return;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    // Taken: by its account, or by a registration that crashed before writing its user. Only the
    // latter is taken over, under a lock so two registrations cannot both take it.
    if (!(await this.isAbandoned(email))) throw conflict();
    const taken = await withRedisLock(
      this.redis,
      this.lockPrefix + email,
      TAKEOVER_LOCK_MS,
      async () => {
        if (!(await this.isAbandoned(email))) return false;
        await this.emails.replaceOne(
          { _id: email },
          { userId, createdAt: new Date() },
          { upsert: true },
        );
        return true;
      },
    );
    if (!taken) throw conflict();
  }

  private async isAbandoned(email: string): Promise<boolean> {
    const claim = await this.emails.findById(email).lean<UserEmail>().exec();
    if (!claim) return true;
    const age = Date.now() - (claim.createdAt?.getTime() ?? 0);
    return age > ABANDONED_AFTER_MS && !(await this.findById(claim.userId));
  }

  /**
   * The user insert failed: give the address back so the person can try again at once, unless
   * the insert went through after all (an error after the write). If this fails too, the claim
   * is taken over once it is old enough.
   */
  private async releaseClaim(email: string, id: Types.ObjectId): Promise<void> {
    try {
      if (!(await this.model.findById(id).lean<User>().exec()))
        await this.emails.deleteOne({ _id: email });
    } catch {
      // Nothing more to do: the claim stays until it counts as abandoned.
    }
  }
}

function conflict(): ConflictException {
  return new ConflictException('An account with this email already exists');
}
