import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { THROTTLER_SKIP } from '@nestjs/throttler/dist/throttler.constants';
import type { AuthenticatedRequest } from '../auth/auth.decorators';
import { perHandler } from '../auth/handler-metadata';

/**
 * Counts per signed-in user, or per client address for anonymous requests. A route that
 * @SkipThrottle() takes out of every throttler (the probes) is let through at once: the parent's
 * canActivate reads a dozen pieces of metadata and awaits each value before it looks at the skip.
 */
@Injectable()
export class UserThrottlerGuard extends ThrottlerGuard {
  private readonly skipsAll = perHandler((context) =>
    this.throttlers.every((throttler) =>
      this.reflector.getAllAndOverride<boolean>(THROTTLER_SKIP + (throttler.name ?? 'default'), [
        context.getHandler(),
        context.getClass(),
      ]),
    ),
  );

  override canActivate(context: ExecutionContext): Promise<boolean> {
    return this.skipsAll(context) ? Promise.resolve(true) : super.canActivate(context);
  }

  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const req = request as unknown as AuthenticatedRequest;
    return Promise.resolve(
      req.user ? `user:${req.user._id.toHexString()}` : `ip:${req.ip ?? 'unknown'}`,
    );
  }
}
