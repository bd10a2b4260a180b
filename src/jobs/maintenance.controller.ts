import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiOkResponse, ApiTags, ApiOperation } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import type { User } from '../auth/user.schema';
import { ApiAdmin, ApiNotFound, ErrorBody } from '../http/api-responses';
import { CronSchedule } from '../scheduler/cron-schedule.service';
import { MaintenanceTasks } from '../scheduler/maintenance-tasks';
import { TaskRun, TaskRunner } from '../scheduler/task-runner.service';
import { AuditLogService } from './audit/audit-log.service';

interface TaskView {
  name: string;
  description: string;
  schedule?: { expression: string; timeZone: string };
}

/** The crons' work on demand, and what they did lately. Admins only; runs are audit-logged. */
@ApiTags('jobs (admin)')
@ApiAdmin()
@Roles('admin')
@Controller('jobs/maintenance')
export class MaintenanceController {
  constructor(
    private readonly tasks: MaintenanceTasks,
    private readonly runner: TaskRunner,
    private readonly crons: CronSchedule,
    private readonly audit: AuditLogService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The maintenance tasks, their schedules, and their last runs' })
  @ApiOkResponse({
    description:
      'The tasks, their schedules, and the last runs (which instance, when, what it did)',
  })
  async overview(): Promise<{ tasks: TaskView[]; runs: TaskRun[] }> {
    const tasks = this.tasks.all().map((task): TaskView => {
      const cron = this.crons.entries.find((entry) => entry.task === task.name);
      return {
        name: task.name,
        description: task.description,
        schedule: cron && { expression: cron.expression, timeZone: cron.timeZone },
      };
    });
    return { tasks, runs: await this.runner.history() };
  }

  @Post(':task')
  @ApiOperation({ summary: 'Run a maintenance task now' })
  @HttpCode(200)
  @ApiOkResponse({ description: 'The run: outcome (ok or failed) and the report of what it did' })
  @ApiNotFound('Task')
  @ApiConflictResponse({ type: ErrorBody, description: 'The task is already running' })
  run(@CurrentUser() admin: User, @Param('task') task: string): Promise<TaskRun> {
    return this.audit.record(admin, 'maintenance.run', { task }, () => this.runner.runNow(task));
  }
}
