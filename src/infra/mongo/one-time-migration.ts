import type { Logger } from '@nestjs/common';
import type { Connection } from 'mongoose';

const MIGRATIONS = 'migrations';

/**
 * Runs an upgrade step once per database: a keyed document in `migrations` ({_id: id, doneAt})
 * records that it finished, so every later start costs one `_id` read. The step must be
 * idempotent: two processes starting at once may both run it, and a crash mid-way runs it again.
 */
export async function runOnce(
  connection: Connection,
  id: string,
  logger: Logger,
  step: () => Promise<number>,
): Promise<void> {
  const migrations = connection.collection<{ _id: string; doneAt: Date }>(MIGRATIONS);
  if (await migrations.findOne({ _id: id })) return;
  const started = Date.now();
  const changed = await step();
  await migrations.updateOne({ _id: id }, { $set: { doneAt: new Date() } }, { upsert: true });
  logger.log(`migration ${id}: ${changed} document(s) in ${Date.now() - started} ms`);
}

/** Writes in chunks: FerretDB hangs on a write command with 100 or more statements. */
export const WRITE_CHUNK = 50;

export function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: number }).code === 11000;
}
