export const TASK_NAMES = ['scheduled-posts', 'cleanup', 'reconcile', 'deadlines'] as const;
export type TaskName = (typeof TASK_NAMES)[number];

export type TaskTrigger = 'cron' | 'manual';

export interface TaskRun {
  task: TaskName;
  trigger: TaskTrigger;
  /** The cron slot this run belongs to (cron runs). */
  slot?: string;
  instance: string;
  startedAt: string;
  finishedAt: string;
  /**
   * skipped: the tick came while a run of the task was still going (that run covers it).
   * already-ran: the tick's job came back after it ran (a Redis failover lost the job); not run
   * again, and not kept in the history (it is no run).
   */
  outcome: 'ok' | 'failed' | 'skipped' | 'already-ran';
  report?: Record<string, unknown>;
  error?: string;
}

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
