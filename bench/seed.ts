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
import { randomBytes } from 'node:crypto';
import type { mongo } from 'mongoose';
import { Types } from 'mongoose';
import { hashPassword } from '../src/auth/password-hasher';
import { TokenCipher } from '../src/social/token-cipher';

export const PASSWORD = 'bench-password-1';
const BATCH = 50;
const STEP_MS = 20_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const RETENTION_MS = 90 * DAY_MS;

type Doc = Record<string, unknown>;

export interface SeedReport {
  records: number;
  docs: number;
  seconds: number;
  perCollection: Record<string, number>;
}

function countAudit(n: number): number {
  return n === 0 ? 0 : Math.max(100, Math.floor(n / 50));
}

export class Seeder {
  /** Documents of each kind seeded so far (records = users). */
  private seeded = 0;
  private readonly runTag = randomBytes(3).toString('hex');
  /** createdAt of record 0: the target size's last record was made an hour ago. */
  private readonly t0: number;
  private readonly cipher: TokenCipher;

  private constructor(
    private readonly db: mongo.Db,
    target: number,
    tokenKey: Buffer,
    private readonly passwordHash: string,
    private readonly parallel: number,
  ) {
    this.t0 = Date.now() - HOUR_MS - target * STEP_MS;
    this.cipher = new TokenCipher(tokenKey);
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

  /** The user who owns 1 % of the records. */
  readonly hotUserIndex = 0;

  userEmail(i: number): string {
    return `bench-user-${i}@example.com`;
  }

  userId(i: number): string {
    return this.oid(1, i, this.createdAt(i));
  }

  recordId(i: number): string {
    return this.oid(2, i, this.createdAt(i));
  }

  contentId(c: number): string {
    return this.oid(3, c, this.createdAt(10 * c));
  }

  /** Whether user 0 owns record i. */
  isHot(i: number): boolean {
    return i % 100 === 0 || (i < 1000 && i % 25 === 0);
  }

  ownerIndex(i: number): number {
    return this.isHot(i) ? this.hotUserIndex : i;
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

  // ---- documents

  private createdAt(i: number): Date {
    return new Date(this.t0 + i * STEP_MS);
  }

  /** An ObjectId (hex) whose time is `time`, unique per run, kind and index. */
  private oid(kind: number, i: number, time: Date): string {
    const seconds = Math.floor(time.getTime() / 1000);
    return (
      seconds.toString(16).padStart(8, '0') +
      this.runTag +
      kind.toString(16).padStart(2, '0') +
      i.toString(16).padStart(8, '0')
    );
  }

  private user(i: number): Doc {
    const at = this.createdAt(i);
    return {
      _id: new Types.ObjectId(this.userId(i)),
      email: this.userEmail(i),
      passwordHash: this.passwordHash,
      name: `Bench User ${i}`,
      role: 'user',
      createdAt: at,
      updatedAt: at,
    };
  }

  queueOf(i: number): 'content-generation' | 'social-posting' | 'email-sending' {
    const slot = i % 20;
    return slot < 13 ? 'content-generation' : slot < 17 ? 'social-posting' : 'email-sending';
  }

  stateOf(i: number): 'waiting' | 'failed' | 'cancelled' | 'completed' {
    if (i % 50 === 1) return 'waiting';
    if (i % 20 === 3) return 'failed';
    if (i % 100 === 7) return 'cancelled';
    return 'completed';
  }

  private record(i: number): Doc {
    const queue = this.queueOf(i);
    const state = this.stateOf(i);
    const ownerId = this.userId(this.ownerIndex(i));
    const createdAt = this.createdAt(i);
    const contentId = i % 10 === 0 ? this.contentId(i / 10) : undefined;
    const text = `Bench text ${i}: a short paragraph the posts are generated from.`;
    const job: Doc = {
      _id: this.recordId(i),
      queue,
      ownerId,
      state,
      progress: state === 'completed' ? 100 : 0,
      attemptsMade: state === 'waiting' ? 0 : state === 'failed' ? 3 : 1,
      maxAttempts: 3,
      priority: 0,
      createdAt,
      updatedAt: createdAt,
    };
    if (queue === 'content-generation') {
      job.name = 'generate-content';
      job.data = {
        text,
        user: { _id: ownerId, email: this.userEmail(this.ownerIndex(i)) },
        platforms: ['twitter'],
        ...(contentId ? { contentId } : {}),
      };
      if (contentId) job.contentId = contentId;
    } else if (queue === 'social-posting') {
      job.name = 'post-to-social';
      job.data = { userId: ownerId, platforms: ['twitter'], content: { text } };
    } else {
      job.name = 'send-email';
      job.data = {
        to: this.userEmail(this.ownerIndex(i)),
        template: 'welcome',
        data: { name: `Bench User ${i}` },
        userId: ownerId,
      };
    }
    if (state === 'waiting') return job;
    const startedAt = new Date(createdAt.getTime() + 500);
    const finishedAt = new Date(createdAt.getTime() + 2500);
    const redisRetention = state === 'completed' ? DAY_MS : 7 * DAY_MS;
    Object.assign(job, {
      startedAt,
      finishedAt,
      updatedAt: finishedAt,
      purgeAfter: new Date(finishedAt.getTime() + redisRetention + RETENTION_MS),
    });
    if (state === 'completed')
      job.result =
        queue === 'content-generation'
          ? { contentId, platforms: ['twitter'] }
          : queue === 'social-posting'
            ? { posts: [{ platform: 'twitter', postId: `tw-${i}` }] }
            : { messageId: `<bench-${i}@click.local>` };
    else if (state === 'failed') job.failedReason = 'provider answered 503 (bench)';
    else job.failedReason = 'cancelled by its owner';
    return job;
  }

  private content(c: number): Doc {
    const i = 10 * c;
    const at = this.createdAt(i);
    return {
      _id: new Types.ObjectId(this.contentId(c)),
      ownerId: this.userId(this.ownerIndex(i)),
      title: `Bench content ${c}`,
      sourceText: `Bench text ${i}: a short paragraph the posts are generated from.`,
      status: 'ready',
      posts: {
        twitter: {
          platform: 'twitter',
          text: `Bench post ${c} #bench`,
          hashtags: ['#bench'],
          generator: 'builtin',
          generatedAt: new Date(at.getTime() + 2500),
        },
      },
      published: {},
      media: {},
      createdAt: at,
      updatedAt: new Date(at.getTime() + 2500),
    };
  }

  private socialAccount(u: number): Doc {
    const at = this.createdAt(u);
    const token = `bench-token-${u}-${this.runTag}`;
    const ownerId = this.userId(u);
    return {
      // Keyed by owner and platform (SocialAccount's `${ownerId}:${platform}`).
      _id: `${ownerId}:twitter`,
      ownerId,
      platform: 'twitter',
      tokenCiphertext: this.cipher.encrypt(token),
      tokenHint: `…${token.slice(-4)}`,
      externalId: `tw-user-${u}`,
      handle: `@bench${u}`,
      createdAt: at,
      updatedAt: at,
    };
  }

  private ledgerEntry(i: number): Doc {
    const jobId = this.recordId(i);
    return {
      _id: `${jobId}:twitter`,
      jobId,
      platform: 'twitter',
      state: 'posted',
      postId: `tw-${i}`,
      url: `https://x.com/i/web/status/${i}`,
      rateLimited: 0,
      updatedAt: new Date(this.createdAt(i).getTime() + 2000),
    };
  }

  private audit(a: number): Doc {
    const i = a * 50;
    const at = this.createdAt(i);
    return {
      _id: new Types.ObjectId(this.oid(5, a, at)),
      actorId: this.oid(6, 0, new Date(this.t0)),
      actorEmail: 'seed-admin@example.com',
      action: a % 2 ? 'retry' : 'cancel',
      target: { queue: 'content-generation', jobId: this.recordId(i) },
      outcome: a % 10 === 9 ? 'refused: Job is already finished' : 'ok',
      at,
    };
  }

  private scheduledPost(s: number): Doc {
    const i = s * 50;
    const createdAt = this.createdAt(i);
    const kind = s % 10;
    const state = kind < 2 ? 'scheduled' : kind === 2 ? 'cancelled' : 'published';
    const scheduledAt =
      state === 'scheduled'
        ? new Date(Date.now() + (s + 1) * HOUR_MS)
        : new Date(createdAt.getTime() + HOUR_MS);
    const id = this.oid(7, s, createdAt);
    const doc: Doc = {
      _id: id,
      ownerId: this.userId(this.ownerIndex(i)),
      platforms: ['twitter'],
      content: { text: `Scheduled bench post ${s}` },
      scheduledAt,
      state,
      createdAt,
      updatedAt: createdAt,
    };
    if (state === 'published') {
      Object.assign(doc, {
        socialJobId: `${id}:post`,
        publishedAt: scheduledAt,
        updatedAt: scheduledAt,
      });
    }
    return doc;
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
