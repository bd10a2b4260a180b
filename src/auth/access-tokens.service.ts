import { Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { User } from './user.schema';
import { UsersService } from './users.service';
import { PrincipalCache } from './principal-cache';

/**
 * Bearer token → the stored user it names, for every door into the app (HTTP guard, websocket
 * handshake, admin board). The user comes from this process's PrincipalCache, which every change
 * to a user (deleted, erased, role changed) clears in every process at once, so they lose access
 * then rather than when the token expires; without it each request would read the database.
 */
interface Claims {
  sub: string;
  exp?: number;
}

/** Tokens whose signature this process checked; past it the oldest goes. */
const TOKENS_KEPT = 10_000;

@Injectable()
export class AccessTokens {
  private readonly verified = new Map<string, Claims>();

  constructor(
    private readonly jwt: JwtService,
    private readonly users: UsersService,
    private readonly principals: PrincipalCache,
  ) {}

  async userOf(token: string): Promise<User> {
    return (await this.sessionOf(token)).user;
  }

  /** The user and when the token stops being valid (long-lived connections end then). */
  async sessionOf(token: string): Promise<{ user: User; expiresAt?: Date }> {
    const claims = await this.claimsOf(token);
    const user = await this.principals.get(claims.sub, () => this.users.findById(claims.sub));
    if (!user) throw new UnauthorizedException('The account of this token no longer exists');
    return { user, expiresAt: claims.exp ? new Date(claims.exp * 1000) : undefined };
  }

  /**
   * The token's claims, checked: its signature once per process (a token's bytes never change
   * what they verify to), its expiry on every use.
   */
  private async claimsOf(token: string): Promise<Claims> {
    const known = this.verified.get(token);
    if (known && (!known.exp || known.exp * 1000 > Date.now())) return known;
    let claims: Claims;
    try {
      claims = await this.jwt.verifyAsync<Claims>(token);
    } catch {
      this.verified.delete(token);
      throw new UnauthorizedException('The access token is invalid or has expired');
    }
    // Signed by us, but a claim of another type is not one we issued: refused like a bad token.
    if (typeof claims.sub !== 'string')
      throw new UnauthorizedException('The access token is invalid or has expired');
    if (this.verified.size >= TOKENS_KEPT) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { sub: claims.sub, exp: claims.exp });
    return claims;
  }
}
