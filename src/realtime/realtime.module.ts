import { Module } from '@nestjs/common';
import { QueuesModule } from '../queues';
import { MetricsModule } from '../infra/metrics/metrics.module';
import { AuthModule } from '../auth/auth.module';
import { JobEventsSubscriber } from './job-events.subscriber';
import { JobEtaWatch } from './job-eta.watch';
import { JobsGateway } from './jobs.gateway';

/** socket.io on the API: live job updates (namespace /jobs). */
@Module({
  imports: [AuthModule, MetricsModule, QueuesModule],
  providers: [JobEventsSubscriber, JobEtaWatch, JobsGateway],
})
export class RealtimeModule {}
