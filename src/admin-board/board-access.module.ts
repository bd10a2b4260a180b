import { RedisModule } from '../infra/redis/redis.module';
import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { JobsModule } from '../jobs/jobs.module';
import { AdminAuthenticator } from './admin-authenticator';
import { BoardAccessMiddleware } from './board-access.middleware';
import { BoardAudit } from './board-audit';
import { FailedSignInLimiter } from './failed-sign-in-limiter';

/**
 * The board's gatekeeper, as its own module so Bull Board's root module can import it and be
 * handed the middleware (a middleware class given to Bull Board would be resolved in Bull Board's
 * module, which cannot see our users). The audit log is JobsModule's.
 */
@Module({
  imports: [RedisModule, AuthModule, JobsModule],
  providers: [FailedSignInLimiter, AdminAuthenticator, BoardAudit, BoardAccessMiddleware],
  exports: [BoardAccessMiddleware],
})
export class BoardAccessModule {}
