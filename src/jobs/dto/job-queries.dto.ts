import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { BUILT_IN_QUEUES, JOB_STATES } from '../../queues';

/** ?limit=: a whole number from 1 to 100. */
function PageSize(byDefault: number): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ minimum: 1, maximum: 100, default: byDefault }),
    IsOptional(),
    Type(() => Number),
    IsInt(),
    Min(1),
    Max(100),
  );
}

/** ?queue=: a queue's name, checked against the queues the app runs (see queueProblem). */
function QueueFilter(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      description: `a queue's name (built in: ${BUILT_IN_QUEUES.join(', ')}); checked against the queues this app runs`,
    }),
    IsOptional(),
    IsString(),
  );
}

/** ?state=: one of the states users see. */
function StateFilter(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ enum: JOB_STATES }),
    IsOptional(),
    IsIn(JOB_STATES, { message: `state must be one of ${JOB_STATES.join(', ')}` }),
  );
}

export class UserJobsQuery {
  @QueueFilter()
  queue?: string;

  @StateFilter()
  state?: (typeof JOB_STATES)[number];

  @PageSize(20)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor is not a cursor this API gave out' })
  cursor?: string;
}

export const LISTABLE_STATES = ['waiting', 'active', 'delayed', 'completed', 'failed'] as const;

export class QueueJobsQuery {
  @ApiPropertyOptional({ enum: LISTABLE_STATES, default: 'waiting' })
  @IsOptional()
  @IsIn(LISTABLE_STATES, { message: `state must be one of ${LISTABLE_STATES.join(', ')}` })
  state?: (typeof LISTABLE_STATES)[number];

  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000)
  page?: number;

  @PageSize(20)
  limit?: number;
}

export class AuditQuery {
  @PageSize(50)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^[0-9a-f]{24}$/, { message: 'cursor is not a cursor this API gave out' })
  cursor?: string;
}

export class JobSearchQuery {
  @ApiPropertyOptional({ description: "the owner's e-mail address or user id" })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  owner?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(64)
  contentId?: string;

  @QueueFilter()
  queue?: string;

  @StateFilter()
  state?: (typeof JOB_STATES)[number];

  @ApiPropertyOptional({ description: 'job name' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({ description: 'created at or after (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 date-time' })
  from?: string;

  @ApiPropertyOptional({ description: 'created at or before (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 date-time' })
  to?: string;

  @ApiPropertyOptional({
    description: 'words to find in payload text (e-mail to/subject, post text, content text)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;

  @PageSize(20)
  limit?: number;
}
