import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
  ApiOperation,
} from '@nestjs/swagger';
import { CurrentUser } from '../auth/auth.decorators';
import type { User } from '../auth/user.schema';
import { POSTING_PLATFORMS, PostingPlatform } from '../common/platforms';
import { ApiBadRequest, ApiNotFound, ApiSignedIn } from '../http/api-responses';
import { LinkedAccount, SocialAccountsService } from '../social/social-accounts.service';
import { LinkAccountDto } from './dto/submissions.dto';

/** The caller's linked platform accounts. Tokens go in, and never come back out. */
@ApiTags('social accounts')
@ApiSignedIn()
@Controller('social/accounts')
export class SocialAccountsController {
  constructor(private readonly accounts: SocialAccountsService) {}

  @Post()
  @ApiOperation({ summary: 'Link a social account (its token is stored encrypted)' })
  @ApiCreatedResponse({ description: '{ platform, externalId, handle, tokenHint, linkedAt }' })
  @ApiBadRequest()
  link(@CurrentUser() user: User, @Body() dto: LinkAccountDto): Promise<LinkedAccount> {
    return this.accounts.link(user._id.toHexString(), dto.platform, dto.accessToken, {
      externalId: dto.externalId,
      handle: dto.handle,
    });
  }

  @Get()
  @ApiOperation({ summary: 'Your linked accounts (a token hint, never the token)' })
  @ApiOkResponse({ description: 'Linked accounts, without tokens' })
  list(@CurrentUser() user: User): Promise<LinkedAccount[]> {
    return this.accounts.list(user._id.toHexString());
  }

  @Delete(':platform')
  @ApiOperation({ summary: 'Unlink a social account' })
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Unlinked' })
  @ApiBadRequest()
  @ApiNotFound('Linked account')
  async unlink(@CurrentUser() user: User, @Param('platform') platform: string): Promise<void> {
    if (!(POSTING_PLATFORMS as readonly string[]).includes(platform)) {
      throw new BadRequestException([`platform must be one of ${POSTING_PLATFORMS.join(', ')}`]);
    }
    await this.accounts.unlink(user._id.toHexString(), platform as PostingPlatform);
  }
}
