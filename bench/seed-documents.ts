/**
 * The documents bench/seed.ts inserts, in the product's shapes (users, user_emails, job_records,
 * contents, social_accounts, social_post_ledger, audit_log, scheduled_posts), and their ids: all
 * derived from an index, so a bench can name any seeded document without reading it back.
 */
import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import { TokenCipher } from '../src/social/token-cipher';

export type Doc = Record<string, unknown>;

const STEP_MS = 20_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const RETENTION_MS = 90 * DAY_MS;

export class SeedDocuments {
  protected readonly runTag = randomBytes(3).toString('hex');
  /** createdAt of record 0: the target size's last record was made an hour ago. */
  private readonly t0: number;
  private readonly cipher: TokenCipher;

  protected constructor(
    target: number,
    tokenKey: Buffer,
    private readonly passwordHash: string,
  ) {
    this.t0 = Date.now() - HOUR_MS - target * STEP_MS;
    this.cipher = new TokenCipher(tokenKey);
  }

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

  protected createdAt(i: number): Date {
    return new Date(this.t0 + i * STEP_MS);
  }

  /** An ObjectId (hex) whose time is `time`, unique per run, kind and index. */
  protected oid(kind: number, i: number, time: Date): string {
    const seconds = Math.floor(time.getTime() / 1000);
    return (
      seconds.toString(16).padStart(8, '0') +
      this.runTag +
      kind.toString(16).padStart(2, '0') +
      i.toString(16).padStart(8, '0')
    );
  }

  protected user(i: number): Doc {
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

  protected record(i: number): Doc {
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
        userId: ownerId,
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

  protected content(c: number): Doc {
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

  protected socialAccount(u: number): Doc {
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

  protected ledgerEntry(i: number): Doc {
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

  protected audit(a: number): Doc {
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

  protected scheduledPost(s: number): Doc {
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
