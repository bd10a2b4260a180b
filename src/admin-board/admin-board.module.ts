import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule } from '@bull-board/nestjs';
import { Module } from '@nestjs/common';
import { ADMIN_BOARD_ROUTE } from './admin-board-route';
import { BoardAccessMiddleware } from './board-access.middleware';
import { BoardAccessModule } from './board-access.module';
import { QueuesModule } from '../queues';
import { BoardQueues } from './board-queues';
import { SchedulerModule } from '../scheduler/scheduler.module';

/**
 * Bull Board at /admin/queues, for admins only (HTTP Basic with an admin's email and password, or
 * an admin's Bearer token). The route is excluded from the global /api prefix in bootstrap.ts;
 * Bull Board reads that exclusion and mounts its page, assets and /admin/queues/api under it,
 * all behind BoardAccessMiddleware. forRootAsync only so the middleware can come from Nest's DI.
 */
@Module({
  imports: [
    BullBoardModule.forRootAsync({
      imports: [BoardAccessModule],
      inject: [BoardAccessMiddleware],
      useFactory: (access: BoardAccessMiddleware) => ({
        route: `/${ADMIN_BOARD_ROUTE}`,
        adapter: ExpressAdapter,
        middleware: access.handle,
        boardOptions: { uiConfig: { boardTitle: 'click-api' } },
      }),
    }),
    QueuesModule,
    // The maintenance queue (exported by the scheduler's module).
    SchedulerModule,
  ],
  // Every queue of the catalogue, added once the queues are known.
  providers: [BoardQueues],
})
export class AdminBoardModule {}
