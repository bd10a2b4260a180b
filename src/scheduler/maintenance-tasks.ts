import { Injectable } from '@nestjs/common';
import { MaintenanceTask, TASK_NAMES, TaskName, UnknownTaskError } from './maintenance-task';
import { DailyCleanup } from './tasks/daily-cleanup.task';
import { ReconcileTask } from './tasks/reconcile.task';
import { ScheduledPostsSweep } from './tasks/scheduled-posts-sweep.task';
import { DeadlinesTask } from './tasks/deadlines.task';

/** The maintenance tasks by name. */
@Injectable()
export class MaintenanceTasks {
  private readonly byName: Record<TaskName, MaintenanceTask>;

  constructor(
    sweep: ScheduledPostsSweep,
    cleanup: DailyCleanup,
    reconcile: ReconcileTask,
    deadlines: DeadlinesTask,
  ) {
    this.byName = {
      [sweep.name]: sweep,
      [cleanup.name]: cleanup,
      [reconcile.name]: reconcile,
      [deadlines.name]: deadlines,
    };
  }

  get(name: string): MaintenanceTask {
    if (!(TASK_NAMES as readonly string[]).includes(name)) throw new UnknownTaskError(name);
    return this.byName[name as TaskName];
  }

  all(): MaintenanceTask[] {
    return TASK_NAMES.map((name) => this.byName[name]);
  }
}
