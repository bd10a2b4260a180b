import { RedisModule } from '../infra/redis/redis.module';
import { Module } from '@nestjs/common';
import { MetricsModule } from '../infra/metrics/metrics.module';
import { ScheduleModule } from '@nestjs/schedule';
import { SocialModule } from '../social/social.module';
import { MediaModule } from '../media/media.module';
import { CronSchedule } from './cron-schedule.service';
import { MaintenanceTasks } from './maintenance-tasks';
import { TaskRunner } from './task-runner.service';
import { TickLedger } from './tick-ledger';
import { MAINTENANCE_QUEUE } from './maintenance-queue';
import { MaintenanceProcessor } from './maintenance.processor';
import { DailyCleanup } from './tasks/daily-cleanup.task';
import { ReconcileTask } from './tasks/reconcile.task';
import { ScheduledPostsSweep } from './tasks/scheduled-posts-sweep.task';
import { DeadlinesTask } from './tasks/deadlines.task';
import { QueuesModule, registerKernelQueue } from '../queues';

const maintenanceQueue = registerKernelQueue(MAINTENANCE_QUEUE);

/**
 * Maintenance tasks, their crons (worker roles), the queue each tick travels on (one job per tick,
 * run once by whichever worker takes it) and the runner that keeps runs of a task apart.
 */
@Module({
  imports: [
    RedisModule,
    MetricsModule,
    QueuesModule,
    ScheduleModule.forRoot(),
    SocialModule,
    MediaModule,
    maintenanceQueue,
  ],
  providers: [
    ScheduledPostsSweep,
    DailyCleanup,
    ReconcileTask,
    DeadlinesTask,
    MaintenanceTasks,
    TickLedger,
    TaskRunner,
    CronSchedule,
    MaintenanceProcessor,
  ],
  // The queue too: the admin board shows it.
  exports: [MaintenanceTasks, TaskRunner, CronSchedule, maintenanceQueue],
})
export class SchedulerModule {}
