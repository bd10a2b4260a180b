import { Module } from '@nestjs/common';
import { ContentModule } from '../content/content.module';
import { SocialModule } from '../social/social.module';
import { QueueKernelModule } from './kernel/queue-kernel.module';
import { QueuesService } from './queues.service';
import { QUEUE_SET } from './queue-set';

/** The kernel plus every queue's module (src/queues/queue-set.ts); exports the QueuesService facade. */
@Module({
  imports: [
    QueueKernelModule,
    ...QUEUE_SET.map((queue) => queue.module),
    SocialModule,
    ContentModule,
  ],
  providers: [QueuesService],
  // The facade and the kernel services (status, control, operations, records) for the app layer.
  exports: [QueuesService, QueueKernelModule],
})
export class QueuesModule {}
