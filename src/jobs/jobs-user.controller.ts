import { Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiTags, ApiOperation } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser } from '../auth/auth.decorators';
import type { User } from '../auth/user.schema';
import { ApiBadRequest, ApiNotFound, ApiSignedIn } from '../http/api-responses';
import { ApiCancelResponses } from './api-cancel-responses';
import { UserJobsQuery } from './dto/job-queries.dto';
import { CancelView, JobPage, JobView } from './dto/job-views.dto';
import { JobViewsService } from './job-views.service';
import { QueuesService } from '../queues';

/** A user's own jobs. Another user's job answers 404, as if it did not exist. */
@ApiTags('jobs (user)')
@ApiSignedIn()
@Controller('jobs/user')
export class JobsUserController {
  constructor(
    private readonly views: JobViewsService,
    private readonly queues: QueuesService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Your jobs, newest first, filtered by queue or state' })
  @ApiOkResponse({
    type: JobPage,
    description: 'Newest first; filter by queue and state; cursor pagination',
  })
  @ApiBadRequest()
  list(@CurrentUser() user: User, @Query() query: UserJobsQuery): Promise<JobPage> {
    return this.views.list(user._id.toHexString(), query);
  }

  @Get(':jobId')
  @ApiOperation({
    summary: 'One of your jobs: state, progress, result or failure, position in line',
  })
  @ApiOkResponse({ type: JobView })
  @ApiNotFound('Job')
  get(@CurrentUser() user: User, @Param('jobId') jobId: string): Promise<JobView> {
    return this.views.detail(user._id.toHexString(), jobId);
  }

  @Post(':jobId/cancel')
  @ApiOperation({ summary: 'Cancel one of your jobs' })
  @HttpCode(200)
  @ApiCancelResponses('Job')
  async cancel(
    @CurrentUser() user: User,
    @Param('jobId') jobId: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CancelView> {
    const job = await this.views.owned(user._id.toHexString(), jobId);
    const outcome = await this.queues.cancelJob(job.queue, jobId, `cancelled by its owner`);
    if (outcome.state === 'active') res.status(202);
    return { jobId, ...outcome };
  }
}
