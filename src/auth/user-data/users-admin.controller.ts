import {
  BadRequestException,
  Controller,
  Delete,
  HttpCode,
  NotFoundException,
  Param,
} from '@nestjs/common';
import { ApiConflictResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { isValidObjectId } from 'mongoose';
import { ApiAdmin, ApiBadRequest, ApiNotFound, ErrorBody } from '../../http/api-responses';
import { AuditLogService } from '../../jobs/audit/audit-log.service';
import { ERASED_USER } from '../../queues';
import { CurrentUser, Roles } from '../auth.decorators';
import { EraseReportView } from '../dto/erase.dto';
import type { User } from '../user.schema';
import { UsersService } from '../users.service';
import { UserEraser } from './user-eraser.service';

/** Admin operations on accounts (role checked on the server; every call audited). */
@ApiTags('users (admin)')
@ApiAdmin()
@Roles('admin')
@Controller('users')
export class UsersAdminController {
  constructor(
    private readonly users: UsersService,
    private readonly eraser: UserEraser,
    private readonly audit: AuditLogService,
  ) {}

  @Delete(':id')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Erase a user and everything held about them',
    description:
      'As DELETE /api/auth/me, for any user. Audited as `user.erase`; once done the entry names the user `erased-user`. The last admin cannot be erased (409); a user already erased is a 404.',
  })
  @ApiOkResponse({ type: EraseReportView })
  @ApiBadRequest()
  @ApiNotFound('User')
  @ApiConflictResponse({ type: ErrorBody, description: 'The last admin, or an erase under way' })
  async erase(@CurrentUser() admin: User, @Param('id') id: string): Promise<EraseReportView> {
    if (!isValidObjectId(id) || !/^[0-9a-f]{24}$/i.test(id))
      throw new BadRequestException(['id must be a user id (24 hexadecimal characters)']);
    const user = await this.users.findById(id);
    // An unknown (or erased) user's id is not written to the audit log either.
    const target = { userId: user ? id : 'unknown' };
    const report = await this.audit.record(
      admin,
      'user.erase',
      target,
      async () => {
        if (!user) throw new NotFoundException('No such user');
        return this.eraser.erase(user);
      },
      (done) => ({ userId: ERASED_USER, jobs: done.jobs, contents: done.contents }),
    );
    // An admin who erased themselves is this entry's actor: it goes the way of their others.
    if (id === admin._id.toHexString()) await this.audit.tombstone(id, admin.email);
    return { erased: true, ...report };
  }
}
