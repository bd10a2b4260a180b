import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../../infra/redis/redis-client';
import type { AppConfig } from '../../config/app-config';
import type { BreakerConfig } from '../../config/queue-config';
import { REDIS_CLIENT } from '../../infra/redis/redis.module';
import { Metrics } from '../../infra/metrics/metrics';
import type { JobContext, ProviderPass } from '../contracts/job-context';
import { PROVIDERS, ProviderName } from '../contracts/providers';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerChange {
  provider: ProviderName;
  state: BreakerState;
  /** failures, trial call, or what an admin said. */
  why: string;
}

export interface BreakerView {
  provider: ProviderName;
  state: BreakerState;
  /** While open: when a trial call may go. */
  until?: string;
  openedAt?: string;
  /** Why it opened: the share of failed calls, a Retry-After, or an admin. */
  reason?: string;
}

/** A trial call (half-open) holds the provider for at most this long. */
const PROBE_MS = 30_000;
/** A job the breaker holds back looks again at most this often while a trial call runs. */
const RECHECK_MS = 1000;

/**
 * Returns {1, probe} when the call may go (probe: it is the half-open trial), {0, untilMs} when
 * not. KEYS: state hash. ARGV: now.
 */
const ADMIT = `
local s = redis.call('HGET', KEYS[1], 'state')
if not s or s == 'closed' then return {1, 0} end
local now = tonumber(ARGV[1])
local untilMs = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
if now < untilMs then return {0, untilMs} end
local probe = tonumber(redis.call('HGET', KEYS[1], 'probeUntil') or '0')
if probe > now then return {0, math.min(probe, now + ${RECHECK_MS})} end
redis.call('HSET', KEYS[1], 'state', 'half-open', 'probeUntil', now + ${PROBE_MS})
return {1, 1}`;

/**
 * Records a call's outcome; returns the state after it ('opened' / 'closed' when it changed).
 * KEYS: state hash, calls zset, faults zset. ARGV: now, fault (0/1), probe (0/1), windowMs,
 * minCalls, failurePercent, cooldownMs, retryAfterMs, member.
 */
const RECORD = `
local now, fault, probe = tonumber(ARGV[1]), ARGV[2] == '1', ARGV[3] == '1'
local window, minCalls, percent = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local cooldown, retryAfter = tonumber(ARGV[7]), tonumber(ARGV[8])
local function open(reason, forMs)
  redis.call('HSET', KEYS[1], 'state', 'open', 'until', now + (forMs or math.max(cooldown, retryAfter)),
    'openedAt', now, 'reason', reason)
  redis.call('HDEL', KEYS[1], 'probeUntil')
  redis.call('DEL', KEYS[2], KEYS[3])
  return 'opened'
end
if probe then
  if fault then return open('the trial call failed') end
  redis.call('HSET', KEYS[1], 'state', 'closed')
  redis.call('HDEL', KEYS[1], 'until', 'probeUntil', 'openedAt', 'reason')
  redis.call('DEL', KEYS[2], KEYS[3])
  return 'closed'
end
local s = redis.call('HGET', KEYS[1], 'state') or 'closed'
if s ~= 'closed' then return s end
redis.call('ZADD', KEYS[2], now, ARGV[9])
if fault then redis.call('ZADD', KEYS[3], now, ARGV[9]) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - window)
redis.call('PEXPIRE', KEYS[2], window)
redis.call('PEXPIRE', KEYS[3], window)
-- The provider said how long: that long (a trial call follows, as after a cool-down).
if fault and retryAfter > 0 then return open('the provider asked to wait (Retry-After)', retryAfter) end
local calls, faults = redis.call('ZCARD', KEYS[2]), redis.call('ZCARD', KEYS[3])
if calls >= minCalls and faults * 100 >= percent * calls then
  return open(faults .. ' of ' .. calls .. ' calls failed')
end
return 'closed'`;

/** Not the job's fault: no answer, a timeout, a 5xx, a 429 (ProviderError.permanent is false). */
export function isProviderFault(error: unknown): boolean {
  if (!(error instanceof Error) || error.name === 'AbortError') return false;
  const permanent = (error as { permanent?: unknown }).permanent;
  return permanent === false;
}

/**
 * One circuit breaker per provider, shared by every worker process through Redis
 * (`<prefix>:breaker:<provider>`, plus sliding windows of calls and faults). Closed: calls go and
 * are counted; when at least BREAKER_MIN_CALLS calls of the last BREAKER_WINDOW_MS include
 * BREAKER_FAILURE_PERCENT % provider faults, or a 429 says Retry-After, it opens. Open: jobs
 * that need the provider are put back (no attempt spent) until BREAKER_COOLDOWN_MS has passed.
 * Then one trial call goes (half-open): success closes the breaker, failure opens it again.
 */
@Injectable()
export class CircuitBreakers {
  private readonly base: string;
  private readonly settings: BreakerConfig;
  private readonly logger = new Logger('CircuitBreakers');
  private readonly listeners: ((change: BreakerChange) => void)[] = [];

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly metrics: Metrics,
    config: ConfigService<AppConfig, true>,
  ) {
    this.base = `${config.get('redisKeys', { infer: true }).base}:breaker`;
    this.settings = config.get('jobs', { infer: true }).breaker;
  }

  /** JobContext.admitProvider: may a call go now? Settle the pass with the call's outcome. */
  async admit(provider: ProviderName): Promise<ProviderPass> {
    const [admitted, value] = (await this.redis.eval(ADMIT, 1, this.key(provider), Date.now())) as [
      number,
      number,
    ];
    if (!admitted) return { admitted: false, until: new Date(value) };
    const probe = value === 1;
    let settled = false;
    return {
      admitted: true,
      settle: async (outcome, retryAfterMs = 0) => {
        if (settled) return;
        settled = true;
        if (outcome === 'unused') {
          if (probe) await this.redis.hdel(this.key(provider), 'probeUntil');
          return;
        }
        await this.record(provider, outcome === 'fault', probe, retryAfterMs);
      },
    };
  }

  /** JobContext.viaProvider: admission (or the job waits), the call, its outcome. */
  async call<T>(
    provider: ProviderName,
    context: Pick<JobContext, 'deferUntil'>,
    call: () => Promise<T>,
  ): Promise<T> {
    const pass = await this.admit(provider);
    if (!pass.admitted)
      return context.deferUntil(pass.until, `${provider} unavailable (circuit open)`);
    try {
      const result = await call();
      await pass.settle('ok');
      return result;
    } catch (error) {
      const fault = isProviderFault(error);
      const retryAfter = fault ? ((error as { retryAfterMs?: number }).retryAfterMs ?? 0) : 0;
      await pass.settle(fault ? 'fault' : 'ok', retryAfter).catch(() => undefined);
      throw error;
    }
  }

  async states(): Promise<BreakerView[]> {
    return Promise.all(PROVIDERS.map((provider) => this.state(provider)));
  }

  async state(provider: ProviderName): Promise<BreakerView> {
    const fields = await this.redis.hgetall(this.key(provider));
    const state = (fields.state as BreakerState | undefined) ?? 'closed';
    const at = (ms?: string) => (ms ? new Date(Number(ms)).toISOString() : undefined);
    return state === 'closed'
      ? { provider, state }
      : {
          provider,
          state,
          until: at(fields.until),
          openedAt: at(fields.openedAt),
          reason: fields.reason,
        };
  }

  /** An admin opens a breaker by hand: closed to jobs for `forMs` (the cool-down by default). */
  async open(
    provider: ProviderName,
    reason: string,
    forMs = this.settings.cooldownMs,
  ): Promise<BreakerView> {
    const now = Date.now();
    await this.redis
      .multi()
      .hset(this.key(provider), { state: 'open', until: now + forMs, openedAt: now, reason })
      .hdel(this.key(provider), 'probeUntil')
      .del(this.callsKey(provider), this.faultsKey(provider))
      .exec();
    this.changed(provider, 'open', reason, false);
    return this.state(provider);
  }

  /** An admin closes a breaker: calls go again at once. */
  async close(provider: ProviderName): Promise<BreakerView> {
    await this.redis
      .multi()
      .del(this.key(provider), this.callsKey(provider), this.faultsKey(provider))
      .exec();
    this.changed(provider, 'closed', 'closed by an admin', false);
    return this.state(provider);
  }

  private async record(
    provider: ProviderName,
    fault: boolean,
    probe: boolean,
    retryAfterMs: number,
  ) {
    const { windowMs, minCalls, failurePercent, cooldownMs } = this.settings;
    const outcome = (await this.redis.eval(
      RECORD,
      3,
      this.key(provider),
      this.callsKey(provider),
      this.faultsKey(provider),
      Date.now(),
      fault ? '1' : '0',
      probe ? '1' : '0',
      windowMs,
      minCalls,
      failurePercent,
      cooldownMs,
      retryAfterMs,
      randomUUID(),
    )) as string;
    if (outcome === 'opened' || (probe && outcome === 'closed'))
      this.changed(
        provider,
        outcome === 'opened' ? 'open' : 'closed',
        probe ? 'trial call' : 'failures',
      );
  }

  /**
   * Hears the changes calls cause in this process (the app writes them to the audit log as
   * system events); an admin's own open or close is audited as the admin's action instead.
   */
  onChange(listener: (change: BreakerChange) => void): void {
    this.listeners.push(listener);
  }

  private changed(provider: ProviderName, state: BreakerState, why: string, notify = true): void {
    if (notify) for (const listener of this.listeners) listener({ provider, state, why });
    this.metrics.breakerChanges.inc({ provider, state });
    this.logger.warn({ msg: `circuit breaker for ${provider} ${state} (${why})`, provider, state });
  }

  private key(provider: ProviderName): string {
    return `${this.base}:${provider}`;
  }

  private callsKey(provider: ProviderName): string {
    return `${this.base}:${provider}:calls`;
  }

  private faultsKey(provider: ProviderName): string {
    return `${this.base}:${provider}:faults`;
  }
}
