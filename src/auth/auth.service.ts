import { Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { AuthResponse, LoginDto, RegisterDto } from './dto/auth.dto';
import { toPublicUser, User } from './user.schema';
import { UsersService } from './users.service';
import { QueuesService } from '../queues';

@Injectable()
export class AuthService {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly users: UsersService,
    private readonly jwt: JwtService,
    private readonly queues: QueuesService,
  ) {}

  /** Creates the account and queues its welcome email (kept for later if Redis is away right now). */
  async register(dto: RegisterDto): Promise<AuthResponse> {
    const user = await this.users.create(dto);
    const userId = user._id.toHexString();
    await this.queues
      .addEmailJob(
        {
          to: user.email,
          template: 'welcome',
          data: { name: user.name, email: user.email },
          userId,
        },
        { deferIfQueueDown: true },
      )
      .catch((error: Error) =>
        this.logger.warn(`welcome email for ${userId} not queued: ${error.message}`),
      );
    return this.session(user);
  }

  async login(dto: LoginDto): Promise<AuthResponse> {
    const user = await this.users.withPassword(dto.email, dto.password);
    if (!user) throw new UnauthorizedException('Invalid email or password');
    return this.session(user);
  }

  private async session(user: User): Promise<AuthResponse> {
    const accessToken = await this.jwt.signAsync({ sub: user._id.toHexString(), role: user.role });
    return { user: toPublicUser(user), accessToken };
  }
}
