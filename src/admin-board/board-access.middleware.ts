import {
  ForbiddenException,
  HttpException,
  Injectable,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ADMIN_BOARD_ROUTE } from './admin-board-route';
import { AdminAuthenticator, TooManySignInsException } from './admin-authenticator';
import { BoardAudit } from './board-audit';

/** Makes the browser show its sign-in dialog on a 401. */
const BASIC_CHALLENGE = 'Basic realm="click-api admin", charset="UTF-8"';
const READ_ONLY_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const BOARD_API = `/${ADMIN_BOARD_ROUTE}/api/`;

/**
 * Runs in front of every Bull Board path (page, static files, its /api). Nest's global guards and
 * throttler only wrap controllers, never this Express router, so admin-only access, the sign-in
 * limit and the audit trail are all enforced here. Errors leave in the API's `{statusCode,
 * message, error}` shape.
 */
@Injectable()
export class BoardAccessMiddleware {
  constructor(
    private readonly authenticator: AdminAuthenticator,
    private readonly audit: BoardAudit,
  ) {}

  /** An arrow function, so Bull Board can be handed it as plain Express middleware. */
  readonly handle = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      const admin = await this.authenticator.authenticate(
        req.headers.authorization,
        req.ip ?? req.socket.remoteAddress ?? 'unknown',
      );
      const changesState = !READ_ONLY_METHODS.has(req.method);
      // The browser re-sends Basic credentials to any site that posts here: refuse cross-site writes.
      if (changesState && isCrossSite(req))
        throw new ForbiddenException('Changes from another site are not accepted');
      if (changesState && req.originalUrl.startsWith(BOARD_API))
        this.audit.recordWhenFinished(admin, req, res);
    } catch (caught) {
      // Anything else (the database is away...) is not the caller's fault, and says nothing more.
      const error =
        caught instanceof HttpException
          ? caught
          : new ServiceUnavailableException(
              'Sign-in cannot be checked right now; try again shortly',
            );
      if (error instanceof UnauthorizedException)
        res.setHeader('WWW-Authenticate', BASIC_CHALLENGE);
      if (error instanceof TooManySignInsException)
        res.setHeader('Retry-After', String(error.retryAfterSeconds));
      res.status(error.getStatus()).json(error.getResponse());
      return;
    }
    next();
  };
}

function isCrossSite(req: Request): boolean {
  const origin = req.headers.origin;
  if (!origin) return false;
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}
