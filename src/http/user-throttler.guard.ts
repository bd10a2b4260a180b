import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { AuthenticatedRequest } from '../auth/auth.decorators';

/** Counts per signed-in user, or per client address for anonymous requests. */
@Injectable()
export class UserThrottlerGuard extends ThrottlerGuard {
  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const req = request as unknown as AuthenticatedRequest;
    return Promise.resolve(
      req.user ? `user:${req.user._id.toHexString()}` : `ip:${req.ip ?? 'unknown'}`,
    );
  }
}
