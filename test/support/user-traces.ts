import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RedisClient } from '../../src/infra/redis/redis-client';
import { keysMatching } from './test-app';
import type { mongo } from 'mongoose';

/**
 * Every place a user's id or email could be left, read whole: each document of each collection
 * of the test's database, each Redis key matching its patterns (name and value, whatever the type),
 * each file under its data folder (name and content). Returns where a needle was found.
 */
export async function findTraces(
  where: { db: mongo.Db; redis: RedisClient; prefixes: string[]; dataDir: string },
  needles: string[],
): Promise<string[]> {
  const wanted = needles.map((n) => n.toLowerCase());
  const hits: string[] = [];
  const look = (place: string, text: string) => {
    const lower = text.toLowerCase();
    for (const needle of wanted)
      if (lower.includes(needle)) hits.push(`${place} holds ${needle}: ${text.slice(0, 300)}`);
  };
  for (const { name } of await where.db.listCollections().toArray())
    for await (const doc of where.db.collection(name).find({}))
      look(`mongo ${name}`, JSON.stringify(doc));
  for (const pattern of where.prefixes)
    for (const key of await keysMatching(where.redis, pattern))
      look(`redis key`, key + ' ' + (await redisValue(where.redis, key)));
  for (const { file, isDir } of await filesUnder(where.dataDir))
    look(`file ${file}`, isDir ? file : file + ' ' + (await readFile(file)).toString('latin1'));
  return hits;
}

async function redisValue(redis: RedisClient, key: string): Promise<string> {
  switch (await redis.type(key)) {
    case 'string':
      return (await redis.getBuffer(key))?.toString('latin1') ?? '';
    case 'hash':
      return JSON.stringify(await redis.hgetall(key));
    case 'list':
      return JSON.stringify(await redis.lrange(key, 0, -1));
    case 'set':
      return JSON.stringify(await redis.smembers(key));
    case 'zset':
      return JSON.stringify(await redis.zrange(key, 0, -1, 'WITHSCORES'));
    case 'stream':
      return JSON.stringify(await redis.xrange(key, '-', '+'));
    default:
      return '';
  }
}

/** Every file and folder under `dir`. */
export async function filesUnder(dir: string): Promise<{ file: string; isDir: boolean }[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const found: { file: string; isDir: boolean }[] = [];
  for (const entry of entries) {
    const file = path.join(dir, entry.name);
    found.push({ file, isDir: entry.isDirectory() });
    if (entry.isDirectory()) found.push(...(await filesUnder(file)));
  }
  return found;
}
