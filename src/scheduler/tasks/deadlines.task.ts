import { Injectable } from '@nestjs/common';
import type { MaintenanceTask } from '../maintenance-task';
import { JobExpiry } from '../../queues';

/** Every minute: jobs still held past their start deadline end `expired` (see JobExpiry). */
@Injectable()
export class DeadlinesTask implements MaintenanceTask {
  readonly name = 'deadlines' as const;
  readonly description =
    'End expired the jobs still waiting, delayed or paused past their deadline';

  constructor(private readonly expiry: JobExpiry) {}

  async run(): Promise<Record<string, unknown>> {
    return { ...(await this.expiry.sweep()) };
  }
}
