import {
  ForbiddenException,
  HttpException,
  HttpStatus,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { AccessTokens } from '../auth/access-tokens.service';
import type { User } from '../auth/user.schema';
import { UsersService } from '../auth/users.service';
import { readAuthorizationHeader } from './authorization-header';
import { FailedSignInLimiter } from './failed-sign-in-limiter';
import { VerifiedPasswordsCache } from './verified-passwords-cache';

export class TooManySignInsException extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super(
      {
        statusCode: HttpStatus.TOO_MANY_REQUESTS,
        message: `Too many failed sign-ins from this address; try again in ${retryAfterSeconds} s`,
        error: 'Too Many Requests',
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

/**
 * Who is asking for the board, from the Authorization header, and whether they may see it.
 * The same rules as the API's guards (JwtAuthGuard, RolesGuard): the user is loaded from the
 * database on every request (AccessTokens for a token, by id for a remembered password), so the
 * stored role decides, not what a token or cache remembers.
 * Throws 401 (unknown or no credentials), 403 (not an admin) or 429 (too many failed sign-ins).
 */
@Injectable()
export class AdminAuthenticator {
  private readonly passwords = new VerifiedPasswordsCache();

  constructor(
    private readonly users: UsersService,
    private readonly tokens: AccessTokens,
    private readonly limiter: FailedSignInLimiter,
  ) {}

  async authenticate(header: string | undefined, clientIp: string): Promise<User> {
    const presented = readAuthorizationHeader(header);
    let user: User;
    switch (presented.kind) {
      case 'none':
        throw new UnauthorizedException('Sign in with an admin account to see the queues');
      case 'malformed':
        throw new UnauthorizedException('Send Basic credentials or a Bearer access token');
      case 'bearer':
        user = await this.tokens.userOf(presented.token);
        break;
      case 'basic':
        user = await this.userOfPassword(header!, presented.email, presented.password, clientIp);
        break;
    }
    if (user.role !== 'admin') throw new ForbiddenException('The queue board is for admins only');
    return user;
  }

  private async userOfPassword(
    header: string,
    email: string,
    password: string,
    clientIp: string,
  ): Promise<User> {
    // A header verified in the last minute skips the KDF and the limiter: an admin's polling
    // must not be locked out by someone else guessing from the same address.
    let userId = this.passwords.lookup(header);
    if (!userId) {
      const wait = await this.limiter.beginAttempt(clientIp);
      if (wait) throw new TooManySignInsException(wait);
      userId =
        (await this.passwords.verifyOnce(
          header,
          async () => (await this.users.withPassword(email, password))?._id.toHexString() ?? null,
        )) ?? undefined;
      if (!userId) throw new UnauthorizedException('Invalid email or password');
      await this.limiter.forgive(clientIp);
    }
    const user = await this.users.findById(userId);
    if (!user) throw new UnauthorizedException('This account no longer exists');
    return user;
  }
}
