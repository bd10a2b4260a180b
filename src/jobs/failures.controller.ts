import {
  BadRequestException,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import type { User } from '../auth/user.schema';
import { ApiAdmin, ApiBadRequest, ApiNotFound } from '../http/api-responses';
import { FailureActions, FailureGroups, QueueRegistry } from '../queues';
import { AuditLogService } from './audit/audit-log.service';
import { FailureGroupView, FailuresQuery, GroupActionView } from './dto/failures.dto';

/**
 * Failed jobs grouped by cause (queue, job name, the reason with ids and numbers taken out), and
 * bulk retry or discard of a group. Admins only; every action is audited.
 */
@ApiTags('jobs (admin)')
@ApiAdmin()
@Roles('admin')
@Controller('jobs/failures')
export class FailuresController {
  constructor(
    private readonly groups: FailureGroups,
    private readonly actions: FailureActions,
    private readonly registry: QueueRegistry,
    private readonly audit: AuditLogService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Failed jobs grouped by cause, newest failure first' })
  @ApiOkResponse({ type: [FailureGroupView] })
  @ApiBadRequest()
  list(@Query() query: FailuresQuery): Promise<FailureGroupView[]> {
    const problem = this.registry.filterProblem(query.queue);
    if (problem) throw new BadRequestException([problem]);
    return this.groups.list({
      queue: query.queue,
      since: query.since ? new Date(query.since) : undefined,
      limit: query.limit ?? 50,
    });
  }

  @Post(':groupId/retry')
  @ApiOperation({ summary: 'Run every failed job of a group again (safe to repeat)' })
  @HttpCode(200)
  @ApiOkResponse({ type: GroupActionView })
  @ApiNotFound('Failure group')
  retry(@CurrentUser() admin: User, @Param('groupId') groupId: string): Promise<GroupActionView> {
    return this.act(admin, 'failures.retry', groupId, () => this.actions.retry(groupId));
  }

  @Post(':groupId/discard')
  @ApiOperation({ summary: 'Remove every failed job of a group from its queue (safe to repeat)' })
  @HttpCode(200)
  @ApiOkResponse({ type: GroupActionView })
  @ApiNotFound('Failure group')
  discard(@CurrentUser() admin: User, @Param('groupId') groupId: string): Promise<GroupActionView> {
    return this.act(admin, 'failures.discard', groupId, () => this.actions.discard(groupId));
  }

  private act(
    admin: User,
    action: string,
    groupId: string,
    run: () => Promise<GroupActionView | undefined>,
  ): Promise<GroupActionView> {
    return this.audit.record(admin, action, { groupId }, async () => {
      const result = await run();
      if (!result) throw new NotFoundException(`Failure group ${groupId} not found`);
      return result;
    });
  }
}
