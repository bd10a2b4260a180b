import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AccessTokens } from './access-tokens.service';
import { AuthenticatedRequest, IS_PUBLIC, ROLES_KEY } from './auth.decorators';
import type { Role } from './user.schema';
import { perHandler } from './handler-metadata';

/**
 * Every route needs a valid bearer token unless marked @Public(). The token's user comes from
 * this process's copy (PrincipalCache), which every change to a user clears in every process at
 * once, so a deleted or demoted user loses access at once.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  private readonly isPublic = perHandler(
    (context) =>
      !!this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
        context.getHandler(),
        context.getClass(),
      ]),
  );

  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: AccessTokens,
  ) {}

  /** At once for a public route (no promise of its own); else once the token's user is known. */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    return this.isPublic(context) || this.authenticate(context);
  }

  private async authenticate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const [scheme, token] = (request.headers.authorization ?? '').split(' ');
    if (scheme !== 'Bearer' || !token)
      throw new UnauthorizedException('Sign in first: send Authorization: Bearer <accessToken>');
    request.user = await this.tokens.userOf(token);
    return true;
  }
}

@Injectable()
export class RolesGuard implements CanActivate {
  private readonly rolesOf = perHandler((context) =>
    this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [
      context.getHandler(),
      context.getClass(),
    ]),
  );

  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const roles = this.rolesOf(context);
    if (!roles?.length) return true;
    const user = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
    if (!user || !roles.includes(user.role))
      throw new ForbiddenException(`This needs the ${roles.join(' or ')} role`);
    return true;
  }
}
