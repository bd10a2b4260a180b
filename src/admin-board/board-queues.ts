import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { InjectBullBoard, type BullBoardInstance } from '@bull-board/nestjs';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QueueRegistry } from '../queues';
import { MAINTENANCE_QUEUE } from '../scheduler/maintenance-queue';

/**
 * Shows every queue the catalogue knows on the board (the set is known only once the app is up),
 * and the crons' maintenance queue (one job per tick).
 */
@Injectable()
export class BoardQueues implements OnModuleInit {
  constructor(
    @InjectBullBoard() private readonly board: BullBoardInstance,
    private readonly registry: QueueRegistry,
    @InjectQueue(MAINTENANCE_QUEUE) private readonly maintenance: Queue,
  ) {}

  onModuleInit(): void {
    for (const [, queue] of this.registry.all()) this.board.addQueue(new BullMQAdapter(queue));
    this.board.addQueue(new BullMQAdapter(this.maintenance, { readOnlyMode: true }));
  }
}
