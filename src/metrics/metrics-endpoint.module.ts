import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { MetricsModule } from '../infra/metrics/metrics.module';
import { QueuesModule } from '../queues';
import { HttpMetricsMiddleware } from './http-metrics.middleware';
import { MetricsController } from './metrics.controller';
import { QueueGauges } from './queue-gauges';

/** GET /metrics and what only the app layer can measure: HTTP timings, queue gauges. */
@Module({
  imports: [MetricsModule, QueuesModule],
  controllers: [MetricsController],
  providers: [QueueGauges, HttpMetricsMiddleware],
})
export class MetricsEndpointModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes({ path: '*path', method: RequestMethod.ALL });
  }
}
