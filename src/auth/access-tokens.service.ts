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
    return (await this.sessionOf(token)).user;
  }

  /** The user and when the token stops being valid (long-lived connections end then). */
  async sessionOf(token: string): Promise<{ user: User; expiresAt?: Date }> {
    let claims: { sub: string; exp?: number };
    try {
      claims = await this.jwt.verifyAsync<{ sub: string; exp?: number }>(token);
    } catch {
      throw new UnauthorizedException('The access token is invalid or has expired');
    }
    // Signed by us, but a claim of another type is not one we issued: refused like a bad token.
    if (typeof claims.sub !== 'string')
      throw new UnauthorizedException('The access token is invalid or has expired');
    const user = await this.users.findById(claims.sub);
    if (!user) throw new UnauthorizedException('The account of this token no longer exists');
    return { user, expiresAt: claims.exp ? new Date(claims.exp * 1000) : undefined };
  }
}
