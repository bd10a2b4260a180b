import { Body, Controller, Delete, ForbiddenException, Get, HttpCode, Res } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiBadRequest, ApiSignedIn, ErrorBody } from '../../http/api-responses';
import { CurrentUser } from '../auth.decorators';
import { EraseAccountDto, EraseReportView } from '../dto/erase.dto';
import type { User } from '../user.schema';
import { UsersService } from '../users.service';
import { UserEraser } from './user-eraser.service';
import { EXPORT_FORMAT, UserExport } from './user-export.service';

/** A user's own data: all of it as one download, or all of it erased. */
@ApiTags('auth')
@ApiSignedIn()
@Controller('auth/me')
export class UserDataController {
  constructor(
    private readonly exporter: UserExport,
    private readonly eraser: UserEraser,
    private readonly users: UsersService,
  ) {}

  @Get('export')
  @ApiOperation({
    summary: 'Download everything held about you, as one JSON file',
    description: `A JSON document (format "${EXPORT_FORMAT}") sent as an attachment and streamed as it is read: profile, linked social accounts (never their tokens), every job with its payload and result, contents, scheduled posts, social post and mail ledger entries, and the audit entries about you. The password hash is never included.`,
  })
  @ApiProduces('application/json')
  @ApiOkResponse({ description: 'The export (Content-Disposition: attachment)' })
  async export(@CurrentUser() user: User, @Res() res: Response): Promise<void> {
    try {
      await this.exporter.write(user, () =>
        res.status(200).set({
          'Content-Type': 'application/json; charset=utf-8',
          'Content-Disposition': 'attachment; filename="click-api-export.json"',
          'Cache-Control': 'no-store',
        }),
      );
      res.end();
    } catch (error) {
      if (!res.headersSent) throw error;
      // Half sent: cut the connection, so the download is visibly broken rather than short.
      res.destroy(error as Error);
    }
  }

  @Delete()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Erase your account and everything held about you',
    description:
      'Confirmed with your password. Your live jobs are stopped, and your jobs, contents, uploads and media, scheduled posts, linked accounts and tokens, ledger entries and sign-in are deleted; audit entries keep the action with you named `erased-user`. Jobs of yours still running elsewhere write nothing back. The last admin cannot be erased.',
  })
  @ApiOkResponse({ type: EraseReportView })
  @ApiBadRequest()
  @ApiForbiddenResponse({ type: ErrorBody, description: 'The password is not correct' })
  @ApiConflictResponse({
    type: ErrorBody,
    description: 'You are the last admin, or an erase of your account is under way',
  })
  async erase(@CurrentUser() user: User, @Body() dto: EraseAccountDto): Promise<EraseReportView> {
    if (!(await this.users.withPassword(user.email, dto.password)))
      throw new ForbiddenException('The password is not correct');
    return { erased: true, ...(await this.eraser.erase(user)) };
  }
}
