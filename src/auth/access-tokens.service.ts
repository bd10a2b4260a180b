import { Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { User } from './user.schema';
import { UsersService } from './users.service';

/**
 * Bearer token → the stored user it names, for every door into the app (HTTP guard, websocket
 * handshake, admin board). The user is read from the database each time, so a deleted or demoted
 * user loses access at once rather than when the token expires.
 */
@Injectable()
export class AccessTokens {
  constructor(
    private readonly jwt: JwtService,
    private readonly users: UsersService,
  ) {}

  async userOf(token: string): Promise<User> {
    let subject: string;
    try {
      subject = (await this.jwt.verifyAsync<{ sub: string }>(token)).sub;
    } catch {
      throw new UnauthorizedException('The access token is invalid or has expired');
    }
    const user = await this.users.findById(subject);
    if (!user) throw new UnauthorizedException('The account of this token no longer exists');
    return user;
  }
}
