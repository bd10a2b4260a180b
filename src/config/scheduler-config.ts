import path from 'node:path';
import { CronTime, validateCronExpression } from 'cron';
import { ConfigError } from './config-error';
import { EnvReader } from './env-reader';

export interface SchedulerConfig {
  /** IANA time zone the cron expressions are read in. */
  timeZone: string;
  /** When the sweep for due scheduled posts runs (default: every minute). */
  scheduledPostsCron: string;
  /** When the daily cleanup runs (default: 2 AM). */
  cleanupCron: string;
  /** When jobs held past their start deadline are ended `expired` (default: every minute). */
  deadlinesCron: string;
  /** Scratch files of media work; the cleanup removes entries older than `tempMaxAgeMs`. */
  tempDir: string;
  tempMaxAgeMs: number;
}

function cron(env: EnvReader, name: string, fallback: string): string {
  const value = env.string(name, fallback);
  const { valid, error } = validateCronExpression(value);
  if (!valid)
    throw new ConfigError(
      name,
      `must be a cron expression (${error?.message ?? 'invalid'})`,
      value,
    );
  return value;
}

function timeZone(env: EnvReader, name: string): string {
  const value = env.string(name, 'UTC');
  try {
    new CronTime('* * * * *', value);
  } catch {
    throw new ConfigError(name, 'must be an IANA time zone such as UTC or Europe/Paris', value);
  }
  return value;
}

export function readSchedulerConfig(env: EnvReader, dataDir: string): SchedulerConfig {
  return {
    timeZone: timeZone(env, 'CRON_TZ'),
    scheduledPostsCron: cron(env, 'CRON_SCHEDULED_POSTS', '* * * * *'),
    cleanupCron: cron(env, 'CRON_CLEANUP', '0 2 * * *'),
    deadlinesCron: cron(env, 'CRON_DEADLINES', '* * * * *'),
    tempDir: path.resolve(env.string('TEMP_DIR', path.join(dataDir, 'tmp'))),
    tempMaxAgeMs: env.int('TEMP_FILE_MAX_AGE_HOURS', 24, 1) * 3_600_000,
  };
}
