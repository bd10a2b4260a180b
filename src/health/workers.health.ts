import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { WorkerBootstrap } from '../queues';

/** Readiness of a worker role: every queue's worker is running. Roles without workers: up. */
@Injectable()
export class WorkersHealthIndicator {
  constructor(
    private readonly workers: WorkerBootstrap,
    private readonly health: HealthIndicatorService,
  ) {}

  check(key: string) {
    const session = this.health.check(key);
    const down = this.workers.workersDown();
    if (down === undefined) return session.up({ role: 'no workers in this role' });
    return down.length === 0
      ? session.up()
      : session.down({ message: `no running worker for ${down.join(', ')}` });
  }
}
