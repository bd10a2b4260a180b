import { createHash } from 'node:crypto';
import type { RedisClient } from './redis-client';

/** A Lua script and its SHA-1, for EVALSHA. */
export interface LuaScript {
  lua: string;
  sha: string;
}

export function luaScript(lua: string): LuaScript {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/**
 * A script by its SHA (EVALSHA), sent whole only when Redis does not know it (a restart): on a
 * hot path (every job's end, every request's throttle count) the script's text would cost Redis
 * more than its work.
 */
export async function runScript(
  redis: RedisClient,
  script: LuaScript,
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
