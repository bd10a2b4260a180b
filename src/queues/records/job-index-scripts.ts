import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import { RUN_TIME_WEIGHT, RUN_TIME_WARM_UP } from './run-times';

/** JobIndex.recorded for a batch; the key names are built as in JobIndex. */
export const RECORDED = `
local base, close = ARGV[1], ARGV[2] == '1'
for i = 3, #ARGV, 5 do
  local ref, owner, queue, content, at = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  redis.call('zadd', base .. ':u:' .. owner, at, ref)
  redis.call('zadd', base .. ':u:' .. owner .. ':q:' .. queue, at, ref)
  redis.call('zadd', base .. ':q:' .. queue, at, ref)
  redis.call('zadd', base .. ':all', at, ref)
  if content ~= '' then redis.call('zadd', base .. ':c:' .. content, at, ref) end
  redis.call('srem', base .. ':open:u:' .. owner, ref)
  if close then redis.call('zrem', base .. ':open', ref) end
end
return 0`;

/** MULTI answers errors per command instead of rejecting: surface the first. */
export function throwFirstError(results: [Error | null, unknown][] | null): void {
  const error = results?.find(([e]) => e)?.[0];
  if (error) throw error;
}

/**
 * JobIndex.finished for a batch of job ends. Per end i (KEYS[2i-1], KEYS[2i]; ARGV[2i], ARGV[2i+1]):
 * off the owner's open set, and, for a timed run (ran ≥ 0), into the queue's average run time
 * (an exponentially weighted moving average; the first runs are a plain mean, so the average is
 * usable after one run and steady after a few), each queue's hash read and written once per batch.
 * ARGV[1]: now (the hashes' updatedAt).
 */
const FINISHED_LUA = `
local averages = {}
local touched = {}
for i = 1, #KEYS, 2 do
  redis.call('srem', KEYS[i], ARGV[i + 1])
  local ran = tonumber(ARGV[i + 2])
  if ran >= 0 then
    local key = KEYS[i + 1]
    local kept = averages[key]
    if not kept then
      local stored = redis.call('hmget', key, 'averageMs', 'samples')
      kept = { average = tonumber(stored[1]), samples = tonumber(stored[2]) or 0 }
      averages[key] = kept
      touched[#touched + 1] = key
    end
    local samples = kept.samples + 1
    local average = kept.average or ran
    local weight = math.max(1 / samples, ${RUN_TIME_WEIGHT})
    if samples > ${RUN_TIME_WARM_UP} then samples = ${RUN_TIME_WARM_UP} end
    kept.average = average + weight * (ran - average)
    kept.samples = samples
  end
end
for _, key in ipairs(touched) do
  local kept = averages[key]
  redis.call('hset', key, 'averageMs', string.format('%.1f', kept.average), 'samples', kept.samples, 'updatedAt', ARGV[1])
end
return 0`;
export const FINISHED = {
  lua: FINISHED_LUA,
  sha: createHash('sha1').update(FINISHED_LUA).digest('hex'),
};

/**
 * A script by its SHA (EVALSHA), sent whole only when Redis does not know it (a restart): on
 * every job's end, the script's text would cost Redis more than its work.
 */
export async function runScript(
  redis: Redis,
  script: { lua: string; sha: string },
  keys: string[],
  args: (string | number)[],
): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error as Error).message.startsWith('NOSCRIPT')) throw error;
    return redis.eval(script.lua, keys.length, ...keys, ...args);
  }
}
