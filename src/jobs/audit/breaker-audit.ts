import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { CircuitBreakers } from '../../queues';
import { AuditLogService } from './audit-log.service';

/** A circuit breaker that opens or closes by itself is a system event in the audit log. */
@Injectable()
export class BreakerAudit implements OnModuleInit {
  private readonly logger = new Logger('BreakerAudit');

  constructor(
    private readonly breakers: CircuitBreakers,
    private readonly audit: AuditLogService,
  ) {}

  onModuleInit(): void {
    this.breakers.onChange(({ provider, state, why }) => {
      void this.audit
        .system(state === 'open' ? 'breaker.opened' : 'breaker.closed', { provider, why })
        .catch((error: Error) => this.logger.warn(`breaker event not audited: ${error.message}`));
    });
  }
}
