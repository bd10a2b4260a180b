import { ConflictException, Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { isValidObjectId, Model, Types } from 'mongoose';
import { hashPassword, UNKNOWN_USER_HASH, verifyPassword } from './password-hasher';
import { Role, User } from './user.schema';

@Injectable()
export class UsersService {
  constructor(@InjectModel(User.name) private readonly model: Model<User>) {}

  async create(fields: {
    email: string;
    password: string;
    name: string;
    role?: Role;
  }): Promise<User> {
    const passwordHash = await hashPassword(fields.password);
    try {
      const doc = await this.model.create({
        email: fields.email,
        passwordHash,
        name: fields.name,
        role: fields.role ?? 'user',
      });
      return doc.toObject();
    } catch (error) {
      if ((error as { code?: number }).code === 11000)
        throw new ConflictException('An account with this email already exists');
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

  findByEmail(email: string): Promise<User | null> {
    return this.model.findOne({ email: email.trim().toLowerCase() }).lean<User>().exec();
  }

  findById(id: string): Promise<User | null> {
    return isValidObjectId(id)
      ? this.model.findById(id).lean<User>().exec()
      : Promise.resolve(null);
  }

  async setRole(id: Types.ObjectId, role: Role): Promise<void> {
    await this.model.updateOne({ _id: id }, { $set: { role } });
  }
}
