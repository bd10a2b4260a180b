import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BUILT_IN_QUEUES, JOB_STATES } from '../../queues';

const QUEUE_PROPERTY = {
  example: 'email-sending',
  description: `the queue (built in: ${BUILT_IN_QUEUES.join(', ')})`,
};

export class JobTimestamps {
  @ApiProperty() created: string;
  @ApiPropertyOptional() started?: string;
  @ApiPropertyOptional() finished?: string;
  @ApiPropertyOptional({ description: 'when a delayed job is due' }) runAt?: string;
}

/** One job as its owner sees it. */
export class JobView {
  @ApiProperty() id: string;
  @ApiProperty(QUEUE_PROPERTY) queue: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: JOB_STATES }) state: string;
  @ApiProperty({ oneOf: [{ type: 'number' }, { type: 'object' }] }) progress: unknown;
  @ApiProperty() attemptsMade: number;
  @ApiProperty() maxAttempts: number;
  @ApiProperty({ enum: [10, 5, 0, -5] }) priority: number;
  @ApiPropertyOptional() contentId?: string;
  @ApiPropertyOptional() failedReason?: string;
  @ApiPropertyOptional({ description: 'result of a completed job' }) result?: unknown;
  @ApiProperty({ type: JobTimestamps }) timestamps: JobTimestamps;
  @ApiPropertyOptional({
    description:
      "for a waiting job: 1 = runs next. Within a queue and priority level users take turns (fair share): your k-th waiting job runs before anybody's (k+1)-th, so a newcomer's first job may come before your later ones",
  })
  position?: number;
  @ApiPropertyOptional({
    format: 'date-time',
    description:
      'for a waiting or delayed job (single-job view): when it should start, from its place in line, the workers connected, the rate limit, the jobs running and the recent average run time; a delayed job never before its run time',
  })
  estimatedStartAt?: string;
  @ApiPropertyOptional({
    example: 'queue is paused',
    description:
      'why a waiting or delayed job has no estimatedStartAt: the queue is paused, no worker is running for it, or none of its jobs has finished yet to time',
  })
  estimateUnavailable?: string;
}

export class JobPage {
  @ApiProperty({ type: [JobView] }) items: JobView[];
  @ApiPropertyOptional({
    description: 'pass as ?cursor= for the next page; absent on the last page',
  })
  nextCursor?: string;
}

/** 202 answer of every submission. */
export class AcceptedJobView {
  @ApiProperty() jobId: string;
  @ApiProperty(QUEUE_PROPERTY) queue: string;
  @ApiProperty({ enum: JOB_STATES }) state: string;
}

export class CancelView {
  @ApiProperty() jobId: string;
  @ApiProperty({ enum: ['cancelled', 'active'] }) state: string;
  @ApiPropertyOptional({
    description: 'true when the job was still running at the answer; it stops shortly',
  })
  cancelRequested?: boolean;
}

export class JobSearchPage extends JobPage {
  @ApiProperty({ description: 'jobs looked at for this page (at most SEARCH_WINDOW)' })
  scanned: number;
  @ApiProperty({ description: 'true when nothing older can match: the search reached the end' })
  complete: boolean;
}
