import type { Logger } from '@nestjs/common';

/** Logs a repeating error (a Redis outage retries many times a second) at most every 30 s. */
export function throttled(logger: Logger, label: string, everyMs = 30_000): (error: Error) => void {
  let last = 0;
  return (error: Error) => {
    if (Date.now() - last < everyMs) return;
    last = Date.now();
    logger.warn(`${label}: ${error.message}`);
  };
}
