import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { DerivedIndexModule } from '../../infra/derived-index/derived-index.module';
import { RedisModule } from '../../infra/redis/redis.module';
import { QueuesModule } from '../../queues';
import { AuditEntry, AuditEntrySchema } from './audit-entry.schema';
import { AuditLogService } from './audit-log.service';
import { BreakerAudit } from './breaker-audit';

/**
 * The audit log, in every role: admins' actions (from the API) and system events such as a
 * circuit breaker opening (from the worker whose calls opened it).
 */
@Module({
  imports: [
    RedisModule,
    DerivedIndexModule,
    QueuesModule,
    MongooseModule.forFeature([{ name: AuditEntry.name, schema: AuditEntrySchema }]),
  ],
  providers: [AuditLogService, BreakerAudit],
  exports: [AuditLogService],
})
export class AuditModule {}
