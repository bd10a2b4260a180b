import { Logger } from '@nestjs/common';
import type { Model } from 'mongoose';
import type { JobRecord } from '../../src/queues/records/job-record.schema';
import { FinalRecord, RecordWriteBuffer } from '../../src/queues/records/record-write-buffer';

/**
 * A stand-in for the records collection: what a MongoDB server does with insertMany (a duplicate
 * `_id` is refused with code 11000, the others are stored) and bulkWrite's replaceOne, or refuses
 * everything while `down`.
 */
class Collection {
  readonly docs = new Map<string, FinalRecord>();
  down = false;

  insertMany(records: FinalRecord[]): Promise<void> {
    if (this.down) return Promise.reject(new Error('connect ECONNREFUSED'));
    const writeErrors = records.flatMap((record, index) => {
      if (this.docs.has(record._id)) return [{ index, code: 11000, errmsg: 'duplicate key' }];
      this.docs.set(record._id, record);
      return [];
    });
    return writeErrors.length
      ? Promise.reject(Object.assign(new Error('bulk write error'), { writeErrors }))
      : Promise.resolve();
  }

  bulkWrite(ops: { replaceOne: { replacement: FinalRecord } }[]): Promise<void> {
    if (this.down) return Promise.reject(new Error('connect ECONNREFUSED'));
    for (const op of ops) this.docs.set(op.replaceOne.replacement._id, op.replaceOne.replacement);
    return Promise.resolve();
  }
}

const record = (id: string, state = 'completed') => ({ _id: id, state }) as unknown as FinalRecord;

function buffer(highWater = 10_000) {
  const collection = new Collection();
  const durable: string[] = [];
  const model = { collection } as unknown as Model<JobRecord>;
  const buf = new RecordWriteBuffer(
    model,
    60_000, // flushed by hand in these tests
    {
      onDurable: (written) => Promise.resolve(void durable.push(...written.map((r) => r._id))),
      highWater,
    },
  );
  return { buf, collection, durable };
}

describe('RecordWriteBuffer: each finished job written once, whole, in batches', () => {
  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  it('writes what was buffered in one go and says which records are durable', async () => {
    const { buf, collection, durable } = buffer();
    for (const id of ['a', 'b', 'c']) buf.add(record(id));
    expect(buf.size).toBe(3);
    await buf.flush();
    expect([...collection.docs.keys()].sort()).toEqual(['a', 'b', 'c']);
    expect(durable.sort()).toEqual(['a', 'b', 'c']);
    expect(buf.size).toBe(0);
    await buf.close();
  });

  it('replaces a record that exists already (a retried job, an older version)', async () => {
    const { buf, collection, durable } = buffer();
    collection.docs.set('a', record('a', 'active'));
    buf.add(record('a', 'failed'));
    buf.add(record('b'));
    await buf.flush();
    expect(collection.docs.get('a')).toMatchObject({ state: 'failed' });
    expect(durable.sort()).toEqual(['a', 'b']);
    await buf.close();
  });

  it('keeps records while the database is away, the newest version of each winning', async () => {
    const { buf, collection, durable } = buffer();
    collection.down = true;
    buf.add(record('a', 'failed'));
    await buf.flush();
    expect(collection.docs.size).toBe(0);
    expect(durable).toEqual([]);
    expect(buf.size).toBe(1);
    buf.add(record('a', 'completed')); // retried by an admin meanwhile, and done
    collection.down = false;
    await buf.flush();
    expect(collection.docs.get('a')).toMatchObject({ state: 'completed' });
    expect(durable).toEqual(['a']);
    await buf.close();
  });

  it('holds workers back above the high-water mark until the buffer drains', async () => {
    const { buf } = buffer(2);
    buf.add(record('a'));
    buf.add(record('b'));
    let roomed = false;
    const room = buf.waitForRoom().then(() => (roomed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(roomed).toBe(false);
    await buf.flush();
    await room;
    expect(roomed).toBe(true);
    await buf.close();
  });
});
