/**
 * Seeds a bench database in the product's own document shapes, straight through the driver
 * (`insertMany`, 50 documents per command: FerretDB v1 hangs on a write of 100 or more), several
 * commands in flight. Growing in steps (first 1k, then 100k) adds only what the next size lacks.
 *
 * For `records` = n (i = 0 … n-1):
 * - users: n (user i = `bench-user-<i>@example.com`, all with one scrypt hash of PASSWORD), and
 *   for each a `user_emails` document `{_id: <email>, userId: <user id hex>, createdAt}`;
 * - job_records: n; record i belongs to user i, except that user 0 (the "hot" user) owns every
 *   100th record (1 %) plus every 25th of the first 1000 (so its first page is full at 1k too).
 *   States: 2 % waiting, 5 % failed, 1 % cancelled, the rest completed (finished ones carry
 *   finishedAt and purgeAfter). Queues: 65 % content-generation, 20 % social-posting,
 *   15 % email-sending. createdAt grows with i (20 s apart, ending an hour ago at the target size);
 * - contents: n/10, content c made by record 10c (which names it in contentId and data);
 * - social_accounts: a twitter account for every 10th user (user 0 included), keyed
 *   `${ownerId}:twitter`, token encrypted with the app's TOKEN_ENCRYPTION_KEY;
 * - social_post_ledger: one `posted` entry for every completed social-posting record with i%20=13;
 * - audit_log and scheduled_posts: max(100, n/50) each (scheduled posts: 20 % still scheduled in
 *   the future, 10 % cancelled, the rest published; none due, so the sweep finds nothing to do).
 */
import type { mongo } from 'mongoose';
import { hashPassword } from '../src/auth/password-hasher';
import { Doc, SeedDocuments } from './seed-documents';

export const PASSWORD = 'bench-password-1';
const BATCH = 50;

export interface SeedReport {
  records: number;
  docs: number;
  seconds: number;
  perCollection: Record<string, number>;
}

function countAudit(n: number): number {
  return n === 0 ? 0 : Math.max(100, Math.floor(n / 50));
}

export class Seeder extends SeedDocuments {
  /** Documents of each kind seeded so far (records = users). */
  private seeded = 0;

  private constructor(
    private readonly db: mongo.Db,
    target: number,
    tokenKey: Buffer,
    passwordHash: string,
    private readonly parallel: number,
  ) {
    super(target, tokenKey, passwordHash);
  }

  /** The password hash is computed once (scrypt, ~100 ms) and shared by every seeded user. */
  static async create(
    db: mongo.Db,
    options: { target: number; tokenKey: Buffer; parallel?: number },
  ): Promise<Seeder> {
    return new Seeder(
      db,
      options.target,
      options.tokenKey,
      await hashPassword(PASSWORD),
      options.parallel ?? 4,
    );
  }

  get records(): number {
    return this.seeded;
  }

  /** Adds records (and everything that goes with them) until there are `n`. */
  async seedUpTo(n: number): Promise<SeedReport> {
    const from = this.seeded;
    const started = performance.now();
    const perCollection: Record<string, number> = {};
    const batches = this.batches(from, n);
    const next = () => batches.next();
    const worker = async () => {
      for (let item = next(); !item.done; item = next()) {
        const [collection, docs] = item.value;
        await this.db.collection(collection).insertMany(docs, { ordered: false });
        perCollection[collection] = (perCollection[collection] ?? 0) + docs.length;
      }
    };
    await Promise.all(Array.from({ length: this.parallel }, worker));
    this.seeded = n;
    const docs = Object.values(perCollection).reduce((a, b) => a + b, 0);
    return { records: n, docs, seconds: (performance.now() - started) / 1000, perCollection };
  }

  private *batches(from: number, to: number): Generator<[string, Doc[]]> {
    yield* chunked('users', range(from, to), (i) => this.user(i));
    yield* chunked('user_emails', range(from, to), (i) => ({
      _id: this.userEmail(i),
      userId: this.userId(i),
      createdAt: this.createdAt(i),
    }));
    yield* chunked('job_records', range(from, to), (i) => this.record(i));
    yield* chunked('contents', range(Math.ceil(from / 10), Math.ceil(to / 10)), (c) =>
      this.content(c),
    );
    yield* chunked(
      'social_accounts',
      range(from, to).filter((u) => u % 10 === 0),
      (u) => this.socialAccount(u),
    );
    yield* chunked(
      'social_post_ledger',
      range(from, to).filter((i) => this.queueOf(i) === 'social-posting' && i % 20 === 13),
      (i) => this.ledgerEntry(i),
    );
    yield* chunked('audit_log', range(countAudit(from), countAudit(to)), (a) => this.audit(a));
    yield* chunked('scheduled_posts', range(countAudit(from), countAudit(to)), (s) =>
      this.scheduledPost(s),
    );
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k);
}

function* chunked(
  collection: string,
  indexes: number[],
  make: (i: number) => Doc,
): Generator<[string, Doc[]]> {
  for (let k = 0; k < indexes.length; k += BATCH)
    yield [collection, indexes.slice(k, k + BATCH).map(make)];
}

export function describeSeed(report: SeedReport): string {
  const parts = Object.entries(report.perCollection)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');
  return `seeded ${report.docs} documents in ${report.seconds.toFixed(1)} s (${Math.round(report.docs / report.seconds)} docs/s): ${parts}`;
}
