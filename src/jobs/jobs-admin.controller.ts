import { Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiConflictResponse, ApiOkResponse, ApiTags, ApiOperation } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import type { User } from '../auth/user.schema';
import { ApiAdmin, ApiBadRequest, ApiNotFound, ErrorBody } from '../http/api-responses';
import { ApiCancelResponses } from './api-cancel-responses';
import { AuditLogService, AuditView } from './audit/audit-log.service';
import { AuditQuery, QueueJobsQuery } from './dto/job-queries.dto';
import { AcceptedJobView, CancelView, JobView } from './dto/job-views.dto';
import { toJobView } from './job-views.service';
import { Dashboard, QueueDashboardService } from './queue-dashboard.service';
import { JobControl, QueueCounts, QueueOperations, QueuesService } from '../queues';

/**
 * Admin views and operations on every queue. The role is checked on the server for each request
 * (RolesGuard, against the stored user), and every operation is written to the audit log.
 */
@ApiTags('jobs (admin)')
@ApiAdmin()
@Roles('admin')
@Controller('jobs')
export class JobsAdminController {
  constructor(
    private readonly queues: QueuesService,
    private readonly operations: QueueOperations,
    private readonly control: JobControl,
    private readonly dashboard: QueueDashboardService,
    private readonly audit: AuditLogService,
  ) {}

  @Get('dashboard')
  @ApiOperation({
    summary: 'Queues at a glance: counts, limits, oldest waiting, workers, recent failures, alerts',
  })
  @ApiOkResponse({
    description:
      'Per queue: counts, paused, concurrency, rate limit, oldest waiting age, workers; recent failures; alerts',
  })
  getDashboard(): Promise<Dashboard> {
    return this.dashboard.build();
  }

  @Get('dashboard/stats')
  @ApiOperation({ summary: 'Job counts of every queue' })
  @ApiOkResponse({
    description:
      '{ "<queue>": { waiting, active, completed, failed, delayed, paused } } for all six queues',
  })
  stats(): Promise<Record<string, QueueCounts>> {
    return this.queues.getAllQueueStats();
  }

  @Get('dashboard/jobs/:queueName')
  @ApiOperation({ summary: "A queue's jobs in one state, a page at a time" })
  @ApiOkResponse({ type: [JobView] })
  @ApiBadRequest()
  @ApiNotFound('Queue')
  async jobs(
    @Param('queueName') queueName: string,
    @Query() query: QueueJobsQuery,
  ): Promise<{ items: JobView[]; page: number; limit: number }> {
    const page = query.page ?? 1;
    const limit = query.limit ?? 20;
    const items = await this.operations.list(
      queueName,
      query.state ?? 'waiting',
      (page - 1) * limit,
      limit,
    );
    return { items: items.map(toJobView), page, limit };
  }

  @Get('status/:queueName/:jobId')
  @ApiOperation({ summary: 'One job of any user, with its owner and payload' })
  @ApiOkResponse({ type: JobView })
  @ApiNotFound('Queue or job')
  async status(
    @Param('queueName') queueName: string,
    @Param('jobId') jobId: string,
  ): Promise<JobView & { ownerId: string; data: unknown }> {
    const status = await this.queues.getJobStatus(queueName, jobId);
    return { ...toJobView(status), ownerId: status.ownerId, data: status.data };
  }

  @Get('stats/:queueName')
  @ApiOperation({ summary: "One queue's job counts" })
  @ApiOkResponse({ description: '{ waiting, active, completed, failed, delayed, paused }' })
  @ApiNotFound('Queue')
  queueStats(@Param('queueName') queueName: string): Promise<QueueCounts> {
    return this.queues.getQueueStats(queueName);
  }

  @Post('cancel/:queueName/:jobId')
  @ApiOperation({ summary: 'Cancel any job (stops it if running)' })
  @HttpCode(200)
  @ApiCancelResponses('Queue or job')
  async cancel(
    @CurrentUser() admin: User,
    @Param('queueName') queueName: string,
    @Param('jobId') jobId: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CancelView> {
    const outcome = await this.audit.record(admin, 'job.cancel', { queue: queueName, jobId }, () =>
      this.queues.cancelJob(queueName, jobId, `cancelled by admin ${admin.email}`),
    );
    if (outcome.state === 'active') res.status(202);
    return { jobId, ...outcome };
  }

  @Post('retry/:queueName/:jobId')
  @ApiOperation({
    summary: 'Run a failed or cancelled job again from its first attempt',
    description: 'A cancelled delayed job whose time is still ahead is queued for that time.',
  })
  @HttpCode(200)
  @ApiOkResponse({ type: AcceptedJobView })
  @ApiNotFound('Queue or job')
  @ApiConflictResponse({
    type: ErrorBody,
    description: 'Only failed or cancelled jobs can be retried',
  })
  async retry(
    @CurrentUser() admin: User,
    @Param('queueName') queueName: string,
    @Param('jobId') jobId: string,
  ): Promise<AcceptedJobView> {
    const job = await this.audit.record(admin, 'job.retry', { queue: queueName, jobId }, () =>
      this.queues.retryJob(queueName, jobId),
    );
    return { jobId: job.jobId, queue: job.queue, state: job.state };
  }

  @Post('queues/:queueName/pause')
  @ApiOperation({ summary: 'Pause a queue: no new job starts' })
  @HttpCode(200)
  @ApiOkResponse({ description: '{ queue, paused: true }' })
  @ApiNotFound('Queue')
  async pause(
    @CurrentUser() admin: User,
    @Param('queueName') queueName: string,
  ): Promise<{ queue: string; paused: boolean }> {
    await this.audit.record(admin, 'queue.pause', { queue: queueName }, () =>
      this.operations.pause(queueName),
    );
    return { queue: queueName, paused: true };
  }

  @Post('queues/:queueName/resume')
  @ApiOperation({ summary: 'Resume a paused queue' })
  @HttpCode(200)
  @ApiOkResponse({ description: '{ queue, paused: false }' })
  @ApiNotFound('Queue')
  async resume(
    @CurrentUser() admin: User,
    @Param('queueName') queueName: string,
  ): Promise<{ queue: string; paused: boolean }> {
    await this.audit.record(admin, 'queue.resume', { queue: queueName }, () =>
      this.operations.resume(queueName),
    );
    return { queue: queueName, paused: false };
  }

  @Post('queues/:queueName/retry-failed')
  @ApiOperation({ summary: 'Retry every failed (not cancelled) job of a queue' })
  @HttpCode(200)
  @ApiOkResponse({
    description: '{ queue, retried }: every failed (not cancelled) job queued again',
  })
  @ApiNotFound('Queue')
  async retryFailed(
    @CurrentUser() admin: User,
    @Param('queueName') queueName: string,
  ): Promise<{ queue: string; retried: number }> {
    const retried = await this.audit.record(admin, 'queue.retry-failed', { queue: queueName }, () =>
      this.control.retryAllFailed(queueName),
    );
    return { queue: queueName, retried };
  }

  @Get('audit')
  @ApiOperation({ summary: 'Admin actions, newest first (who, what, when, outcome)' })
  @ApiOkResponse({ description: 'Admin actions, newest first: who, what, when, target, outcome' })
  @ApiBadRequest()
  auditLog(@Query() query: AuditQuery): Promise<{ items: AuditView[]; nextCursor?: string }> {
    return this.audit.list(query.limit ?? 50, query.cursor);
  }
}
