import { Module } from '@nestjs/common';
import { MetricsModule } from '../infra/metrics/metrics.module';
import { QueuesModule } from '../queues';
import { MetricsController } from './metrics.controller';
import { QueueGauges } from './queue-gauges';

/**
 * GET /metrics and what only the app layer can measure: queue gauges, and HTTP timings
 * (http-timing.ts, installed with the request log by bootstrap).
 */
@Module({
  imports: [MetricsModule, QueuesModule],
  controllers: [MetricsController],
  providers: [QueueGauges],
})
export class MetricsEndpointModule {}
