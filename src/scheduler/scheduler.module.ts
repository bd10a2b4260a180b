import { RedisModule } from '../infra/redis/redis.module';
import { Module } from '@nestjs/common';
import { MetricsModule } from '../infra/metrics/metrics.module';
import { ScheduleModule } from '@nestjs/schedule';
import { SocialModule } from '../social/social.module';
import { CronSchedule } from './cron-schedule.service';
import { MaintenanceTasks } from './maintenance-tasks';
import { TaskRunner } from './task-runner.service';
import { DailyCleanup } from './tasks/daily-cleanup.task';
import { ReconcileTask } from './tasks/reconcile.task';
import { ScheduledPostsSweep } from './tasks/scheduled-posts-sweep.task';
import { QueuesModule } from '../queues';

/** Maintenance tasks, their crons (worker roles) and the runner that makes each tick run once. */
@Module({
  imports: [RedisModule, MetricsModule, QueuesModule, ScheduleModule.forRoot(), SocialModule],
  providers: [
    ScheduledPostsSweep,
    DailyCleanup,
    ReconcileTask,
    MaintenanceTasks,
    TaskRunner,
    CronSchedule,
  ],
  exports: [MaintenanceTasks, TaskRunner, CronSchedule],
})
export class SchedulerModule {}
