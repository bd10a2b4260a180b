import { Controller, Get, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import type { User } from '../auth/user.schema';
import { ApiAdmin, ApiNotFound } from '../http/api-responses';
import { BreakerView, CircuitBreakers, isProviderName, PROVIDERS, ProviderName } from '../queues';
import { AuditLogService } from './audit/audit-log.service';
import { AccountHolds, type HeldAccounts } from '../social/account-holds';

/** The circuit breakers per provider: their state, and opening or closing one by hand. */
@ApiTags('jobs (admin)')
@ApiAdmin()
@Roles('admin')
@Controller('jobs/breakers')
export class BreakersController {
  constructor(
    private readonly breakers: CircuitBreakers,
    private readonly audit: AuditLogService,
    private readonly holds: AccountHolds,
  ) {}

  @Get('accounts')
  @ApiOperation({
    summary:
      "Accounts rate-limited by a platform (their own limit): their posts wait until then, others' go on",
  })
  @ApiOkResponse({
    description: '[{ platform, count, accounts: [{ platform, userId, until }] }] (first 100 each)',
  })
  heldAccounts(): Promise<HeldAccounts[]> {
    return this.holds.held();
  }

  @Get()
  @ApiOperation({
    summary: 'Circuit breaker of each provider: closed, open (until when) or half-open',
  })
  @ApiOkResponse({ description: '[{ provider, state, until?, openedAt?, reason? }]' })
  list(): Promise<BreakerView[]> {
    return this.breakers.states();
  }

  @Post(':provider/open')
  @ApiOperation({ summary: "Open a provider's breaker by hand: its jobs wait one cool-down" })
  @HttpCode(200)
  @ApiNotFound('Provider')
  open(@CurrentUser() admin: User, @Param('provider') provider: string): Promise<BreakerView> {
    const name = this.provider(provider);
    return this.audit.record(admin, 'breaker.open', { provider }, () =>
      this.breakers.open(name, `opened by admin ${admin.email}`),
    );
  }

  @Post(':provider/close')
  @ApiOperation({ summary: "Close a provider's breaker by hand: its jobs call it again at once" })
  @HttpCode(200)
  @ApiNotFound('Provider')
  close(@CurrentUser() admin: User, @Param('provider') provider: string): Promise<BreakerView> {
    const name = this.provider(provider);
    return this.audit.record(admin, 'breaker.close', { provider }, () => this.breakers.close(name));
  }

  private provider(name: string): ProviderName {
    if (!isProviderName(name))
      throw new NotFoundException(
        `Provider ${name} not found (providers: ${PROVIDERS.join(', ')})`,
      );
    return name;
  }
}
