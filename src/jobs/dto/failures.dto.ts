import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, IsString, Max, Min } from 'class-validator';

export class FailuresQuery {
  @ApiPropertyOptional({ description: "a queue's name" })
  @IsOptional()
  @IsString()
  queue?: string;

  @ApiPropertyOptional({
    description: 'only groups with a failure at or after this time (ISO 8601)',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'since must be an ISO 8601 date-time' })
  since?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

export class FailureGroupView {
  @ApiProperty({ description: 'stable id of queue + job name + signature' }) id: string;
  @ApiProperty() queue: string;
  @ApiProperty() name: string;
  @ApiProperty({ example: 'twitter: 503 for post <n>' }) signature: string;
  @ApiProperty({ description: 'failed jobs in the group (last 7 days)' }) count: number;
  @ApiProperty() firstSeen: string;
  @ApiProperty() lastSeen: string;
  @ApiProperty({ type: [String], description: 'up to three, newest first' })
  sampleJobIds: string[];
}

export class GroupActionView {
  @ApiProperty() groupId: string;
  @ApiProperty({ description: 'jobs retried (or removed)' }) touched: number;
  @ApiProperty({ description: 'jobs of the group no longer failed, let go' }) skipped: number;
}
