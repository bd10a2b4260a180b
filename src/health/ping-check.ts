import type { HealthIndicatorService } from '@nestjs/terminus';

/** `key` up when `ping` resolves within `timeoutMs`, down with the reason otherwise. */
export async function pingCheck(
  health: HealthIndicatorService,
  key: string,
  ping: () => Promise<unknown>,
  timeoutMs: number,
) {
  const session = health.check(key);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return session.up();
  } catch (error) {
    return session.down({ message: (error as Error).message });
  } finally {
    clearTimeout(timer);
  }
}
