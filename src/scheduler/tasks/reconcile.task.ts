import { Injectable } from '@nestjs/common';
import type { MaintenanceTask } from '../maintenance-task';
import { JobReconciler } from '../../queues';

/** The reconciler's pass on demand (workers also run it every JOB_RECONCILE_INTERVAL_MS). */
@Injectable()
export class ReconcileTask implements MaintenanceTask {
  readonly name = 'reconcile' as const;
  readonly description =
    'Compare unfinished job records with Redis; queue lost jobs, repair states';

  constructor(private readonly reconciler: JobReconciler) {}

  async run(): Promise<Record<string, unknown>> {
    const report = await this.reconciler.runOnce();
    return report ? { ...report } : { skipped: 'another process is reconciling right now' };
  }
}
