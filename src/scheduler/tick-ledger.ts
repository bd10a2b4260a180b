import { Injectable, Logger } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { upsertRacing } from '../infra/mongo/duplicate-key';
import type { TaskName, TaskRun } from './maintenance-task';

/** Runs remembered per task: a tick's job can only come back within a failover's window. */
const RUNS_KEPT = 50;

interface TicksDoc {
  _id: string;
  runs: TaskRun[];
}
const TICKS = 'maintenance_ticks';

/**
 * Which cron ticks have run, kept in MongoDB: one document per task (`_id` = task, read by `_id`
 * only) with its last RUNS_KEPT runs that ended ok. BullMQ's one-job-per-id makes a tick run once
 * while Redis keeps the tick's job; a Redis failover can lose that job after it ran (replication
 * is asynchronous), and then another instance firing for the same slot adds it again. The ledger
 * is the second guard for that case. It is read and written under the task's lease (one writer).
 * MongoDB away: the tick runs (BullMQ's guard still holds) and the ledger says so in a warning.
 */
@Injectable()
export class TickLedger {
  private readonly logger = new Logger('Maintenance');

  constructor(@InjectConnection() private readonly connection: Connection) {}

  /** The run that ended ok for this tick, if one did. */
  async ran(task: TaskName, slot: string): Promise<TaskRun | undefined> {
    const doc = await this.ticks()
      .findOne({ _id: task })
      .catch((error: Error) => {
        this.logger.warn(`${task}: tick ledger not read (${error.message}); the tick runs`);
        return null;
      });
    return doc?.runs?.find((run) => run.slot === slot);
  }

  async record(run: TaskRun): Promise<void> {
    const { task, slot } = run;
    await upsertRacing(async () => {
      const doc = await this.ticks().findOne({ _id: task });
      const runs = [...(doc?.runs ?? []).filter((r) => r.slot !== slot), run].slice(-RUNS_KEPT);
      await this.ticks().replaceOne({ _id: task }, { runs }, { upsert: true });
    }).catch((error: Error) =>
      this.logger.warn(`${task}: tick ${slot} not written to the ledger (${error.message})`),
    );
  }

  private ticks() {
    return this.connection.collection<TicksDoc>(TICKS);
  }
}
