import { RedisModule } from '../infra/redis/redis.module';
import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { QueuesModule } from '../queues';
import { RedisHealthIndicator } from './redis.health';
import { WorkersHealthIndicator } from './workers.health';
import { StorageHealthIndicator } from './storage.health';
import { StorageModule } from '../integrations/storage/storage.module';

@Module({
  imports: [
    RedisModule,
    QueuesModule,
    StorageModule,
    TerminusModule.forRoot({ errorLogStyle: 'json' }),
  ],
  controllers: [HealthController],
  providers: [RedisHealthIndicator, WorkersHealthIndicator, StorageHealthIndicator],
})
export class HealthModule {}
