import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { InjectBullBoard, type BullBoardInstance } from '@bull-board/nestjs';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { QueueRegistry } from '../queues';

/** Shows every queue the catalogue knows on the board (the set is known only once the app is up). */
@Injectable()
export class BoardQueues implements OnModuleInit {
  constructor(
    @InjectBullBoard() private readonly board: BullBoardInstance,
    private readonly registry: QueueRegistry,
  ) {}

  onModuleInit(): void {
    for (const [, queue] of this.registry.all()) this.board.addQueue(new BullMQAdapter(queue));
  }
}
