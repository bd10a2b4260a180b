import { luaScript } from '../../infra/redis/lua-script';
import { RUN_TIME_WEIGHT, RUN_TIME_WARM_UP } from './run-times';

/**
 * JobIndex.recorded for a batch. Per job i, KEYS[7i+1..7i+7]: the owner's, the owner's in the
 * queue, the queue's and every job's listings, the content's listing (every job's again when
 * there is none: adding twice is harmless), the owner's open set, the reconciler's open set;
 * ARGV[1]: '1' to take the jobs off the reconciler's set; then per job its ref and createdAt.
 * Every key is declared (on a Redis Cluster they share the product's slot).
 */
const RECORDED_LUA = `
local close = ARGV[1] == '1'
for i = 1, #KEYS, 7 do
  local j = 2 + (i - 1) / 7 * 2
  local ref, at = ARGV[j], ARGV[j + 1]
  for k = i, i + 4 do redis.call('zadd', KEYS[k], at, ref) end
  redis.call('srem', KEYS[i + 5], ref)
  if close then redis.call('zrem', KEYS[i + 6], ref) end
end
return 0`;
export const RECORDED = luaScript(RECORDED_LUA);

/**
 * JobIndex.added for one job, in one call instead of a MULTI of seven commands (on every
 * submission: the MULTI cost the API more CPU than BullMQ's add). KEYS as RECORDED's for one job;
 * ARGV: ref, createdAt, and when the reconciler should look at the job.
 */
const ADDED_LUA = `
for k = 1, 5 do redis.call('zadd', KEYS[k], ARGV[2], ARGV[1]) end
redis.call('sadd', KEYS[6], ARGV[1])
redis.call('zadd', KEYS[7], ARGV[3], ARGV[1])
return 0`;
export const ADDED = luaScript(ADDED_LUA);

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
export const FINISHED = luaScript(FINISHED_LUA);
