import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import type { Role, User } from './user.schema';

export const IS_PUBLIC = 'auth:public';
export const ROLES_KEY = 'auth:roles';

/** No bearer token needed. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Only users with one of these roles (checked on the server, per request, against the stored user). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

export interface AuthenticatedRequest extends Request {
  user?: User;
}

/** The signed-in user, as stored now (not as the token remembers it). */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): User => {
    return context.switchToHttp().getRequest<AuthenticatedRequest>().user!;
  },
);
