export const TASK_NAMES = ['scheduled-posts', 'cleanup', 'reconcile', 'deadlines'] as const;
export type TaskName = (typeof TASK_NAMES)[number];

/** Housekeeping the crons run and an admin can start by hand (POST /api/jobs/maintenance/:task). */
export interface MaintenanceTask {
  readonly name: TaskName;
  readonly description: string;
  /** Idempotent: running it twice, or again after a crash half-way, does no harm. */
  run(): Promise<Record<string, unknown>>;
}

export class UnknownTaskError extends Error {
  constructor(task: string) {
    super(`Unknown maintenance task "${task}"; valid tasks: ${TASK_NAMES.join(', ')}`);
    this.name = 'UnknownTaskError';
  }
}

export class TaskBusyError extends Error {
  constructor(task: string) {
    super(`Maintenance task "${task}" is already running; try again when it has finished`);
    this.name = 'TaskBusyError';
  }
}
