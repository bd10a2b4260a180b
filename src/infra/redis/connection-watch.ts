import { Logger } from '@nestjs/common';

interface Watchable {
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
}

/**
 * Logs a connection's outage once and its recovery once, instead of one line per retry.
 * Attaching an 'error' listener also keeps an unhandled 'error' event from crashing the process.
 */
export function watchConnection(client: Watchable, name: string, logger: Logger): void {
  let down = false;
  client.on('error', (error: Error) => {
    if (!down) logger.warn(`${name}: connection lost (${error.message}); retrying`);
    down = true;
  });
  client.on('ready', () => {
    if (down) logger.log(`${name}: connection restored`);
    down = false;
  });
}
