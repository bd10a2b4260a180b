import { cronSlot } from './cron-slot';

const at = (iso: string) => new Date(iso);

describe('cronSlot', () => {
  it('names a per-minute firing by its minute, whether the timer is late or early', () => {
    expect(cronSlot('* * * * *', 'UTC', at('2026-11-28T12:00:00.004Z'))).toEqual(
      at('2026-11-28T12:00:00.000Z'),
    );
    expect(cronSlot('* * * * *', 'UTC', at('2026-11-28T12:00:20.000Z'))).toEqual(
      at('2026-11-28T12:00:00.000Z'),
    );
    expect(cronSlot('* * * * *', 'UTC', at('2026-11-28T11:59:41.000Z'))).toEqual(
      at('2026-11-28T12:00:00.000Z'),
    );
  });

  it('reads the expression in its time zone', () => {
    // 2 AM in Paris is 01:00 UTC in winter.
    expect(cronSlot('0 2 * * *', 'Europe/Paris', at('2026-11-29T01:00:00.150Z'))).toEqual(
      at('2026-11-29T01:00:00.000Z'),
    );
    expect(cronSlot('0 2 * * *', 'UTC', at('2026-11-29T02:00:09.000Z'))).toEqual(
      at('2026-11-29T02:00:00.000Z'),
    );
  });

  it('keeps per-second schedules apart', () => {
    expect(cronSlot('* * * * * *', 'UTC', at('2026-11-28T12:00:05.300Z'))).toEqual(
      at('2026-11-28T12:00:05.000Z'),
    );
    expect(cronSlot('* * * * * *', 'UTC', at('2026-11-28T12:00:05.700Z'))).toEqual(
      at('2026-11-28T12:00:06.000Z'),
    );
  });

  it('names no slot when fired far off its schedule', () => {
    expect(cronSlot('0 2 * * *', 'UTC', at('2026-11-28T14:33:12.500Z'))).toBeUndefined();
    expect(cronSlot('0 2 * * *', 'UTC', at('2026-11-28T02:00:31.000Z'))).toBeUndefined();
  });
});
