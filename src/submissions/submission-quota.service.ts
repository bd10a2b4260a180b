import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config';
import { JobHistory } from '../queues';

/** At most USER_MAX_PENDING_JOBS waiting, delayed or running jobs per user, across all queues. */
@Injectable()
export class SubmissionQuota {
  private readonly max: number;

  constructor(
    private readonly history: JobHistory,
    config: ConfigService<AppConfig, true>,
  ) {
    this.max = config.get('api', { infer: true }).userMaxPendingJobs;
  }

  async check(userId: string): Promise<void> {
    const pending = await this.history.unfinishedCount(userId, this.max);
    if (pending >= this.max) {
      throw new HttpException(
        `You have ${pending} jobs waiting or running, the most allowed; wait for some to finish or cancel some`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
  }
}
