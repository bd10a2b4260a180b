import { RedisModule } from '../infra/redis/redis.module';
import { Module } from '@nestjs/common';
import { DerivedIndexModule } from '../infra/derived-index/derived-index.module';
import { SchedulerModule } from '../scheduler/scheduler.module';
import { AuditModule } from './audit/audit.module';
import { FailuresController } from './failures.controller';
import { JobViewsService } from './job-views.service';
import { SearchController } from './search.controller';
import { BreakersController } from './breakers.controller';
import { AuthModule } from '../auth/auth.module';
import { JobsAdminController } from './jobs-admin.controller';
import { JobsUserController } from './jobs-user.controller';
import { MaintenanceController } from './maintenance.controller';
import { QueueDashboardService } from './queue-dashboard.service';
import { QueuesModule } from '../queues';
import { SocialModule } from '../social/social.module';

/** The seed's job endpoints: a user's own jobs, and admin views and operations on every queue. */
@Module({
  imports: [
    AuthModule,
    RedisModule,
    QueuesModule,
    AuditModule,
    SchedulerModule,
    DerivedIndexModule,
    SocialModule,
  ],
  // The user controller first: its /jobs/user routes must not be taken by an admin pattern.
  controllers: [
    JobsUserController,
    MaintenanceController,
    FailuresController,
    SearchController,
    BreakersController,
    JobsAdminController,
  ],
  providers: [JobViewsService, QueueDashboardService],
  exports: [JobViewsService, AuditModule],
})
export class JobsModule {}
