import { Injectable, Logger } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { upsertRacing } from '../infra/mongo/duplicate-key';
import type { TaskName } from './maintenance-task';

/** Slots remembered per task: a tick's job can only come back within BullMQ's failover window. */
const SLOTS_KEPT = 200;
const TICKS = 'maintenance_ticks';

/**
 * Which cron ticks have run, kept in MongoDB: one document per task (`_id` = task, read by `_id`
 * only) with its last SLOTS_KEPT slots that ran. BullMQ's one-job-per-id makes a tick run once
 * while Redis keeps the tick's job; a Redis failover can lose that job after it ran (replication
 * is asynchronous), and then another instance firing for the same slot adds it again. The ledger
 * is the second guard for that case. It is read and written under the task's lease (one writer).
 * MongoDB away: the tick runs (BullMQ's guard still holds) and the ledger says so in a warning.
 */
@Injectable()
export class TickLedger {
  private readonly logger = new Logger('Maintenance');

  constructor(@InjectConnection() private readonly connection: Connection) {}

  async ran(task: TaskName, slot: string): Promise<boolean> {
    const doc = await this.ticks()
      .findOne({ _id: task })
      .catch((error: Error) => {
        this.logger.warn(`${task}: tick ledger not read (${error.message}); the tick runs`);
        return null;
      });
    return doc?.slots.includes(slot) ?? false;
  }

  async record(task: TaskName, slot: string): Promise<void> {
    await upsertRacing(async () => {
      const doc = await this.ticks().findOne({ _id: task });
      const slots = [...(doc?.slots ?? []).filter((s) => s !== slot), slot].slice(-SLOTS_KEPT);
      await this.ticks().replaceOne({ _id: task }, { slots }, { upsert: true });
    }).catch((error: Error) =>
      this.logger.warn(`${task}: tick ${slot} not written to the ledger (${error.message})`),
    );
  }

  private ticks() {
    return this.connection.collection<{ _id: string; slots: string[] }>(TICKS);
  }
}
