import { HttpFake, RecordedRequest, Reply } from '../test/support/fakes/http-fake';

export type Platform = 'twitter' | 'linkedin';

interface MadePost {
  id: string;
  platform: Platform;
  account: string;
  text: string;
  at: number;
}

/**
 * X and LinkedIn on one loopback port, as far as the product uses them. A post exists from the
 * moment its request arrives (as on a real platform, a client that goes away mid-request may
 * still have posted), and the read endpoints answer from what was posted, so an attempt that
 * stopped mid-request can find its post. Every POST is counted per text and platform.
 */
export class PlatformsFake {
  readonly posts: MadePost[] = [];
  /** Requests answered after `latency()` ms; while `holding`, POSTs wait for release(). */
  latencyMs = { min: 20, max: 120 };
  private holding = false;
  private releaseHeld: (() => void)[] = [];
  heldCount = 0;
  private readonly tokens = new Map<string, string>();
  private seq = 0;

  private constructor(readonly http: HttpFake) {}

  static async start(): Promise<PlatformsFake> {
    const fake = new PlatformsFake(await HttpFake.start());
    fake.http.on('POST', '/2/tweets', (r) => fake.create('twitter', r));
    fake.http.on('POST', '/rest/posts', (r) => fake.create('linkedin', r));
    fake.http.on('GET', '/2/users/me', (r) => {
      const account = fake.accountOf(r);
      return account
        ? { status: 200, body: { data: { id: account } } }
        : { status: 401, body: { title: 'Unauthorized' } };
    });
    fake.http.on('GET', '/rest/posts', (r) => fake.linkedinPosts(r));
    return fake;
  }

  get url(): string {
    return this.http.url;
  }

  /** A token and the account it belongs to (X user id, or LinkedIn person URN). */
  addAccount(platform: Platform, token: string, account: string): void {
    this.tokens.set(token, account);
    if (platform === 'twitter')
      this.http.on('GET', `/2/users/${encodeURIComponent(account)}/tweets`, (r) =>
        this.timeline(account, r),
      );
  }

  hold(): void {
    this.holding = true;
  }

  release(): void {
    this.holding = false;
    for (const release of this.releaseHeld.splice(0)) release();
  }

  /** How many posts each (platform, text) got. */
  countsFor(platform: Platform, text: string): number {
    return this.posts.filter((p) => p.platform === platform && p.text === text).length;
  }

  postCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const p of this.posts) {
      const key = `${p.platform}\u0000${p.text}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }

  /** For a text posted twice: how far apart, and how many posts of that account came between. */
  explain(platform: Platform, text: string): string {
    const same = this.posts.filter((p) => p.platform === platform && p.text === text);
    if (same.length < 2) return '';
    const [first, second] = same;
    const between = this.posts.filter(
      (p) =>
        p.platform === platform &&
        p.account === first.account &&
        p.at > first.at &&
        p.at < second.at,
    ).length;
    return `${second.at - first.at} ms apart, ${between} posts of that account between`;
  }

  get reads(): number {
    return this.http.requests.filter((r) => r.method === 'GET').length;
  }

  private accountOf(r: RecordedRequest): string | undefined {
    const auth = r.headers.authorization ?? '';
    return this.tokens.get(auth.replace(/^Bearer /, ''));
  }

  private async create(platform: Platform, r: RecordedRequest): Promise<Reply> {
    const account = this.accountOf(r);
    if (!account) return { status: 401, body: { title: 'Unauthorized' } };
    const body = (r.body ?? {}) as { text?: string; commentary?: string; author?: string };
    const text = (platform === 'twitter' ? body.text : body.commentary) ?? '';
    if (platform === 'linkedin' && body.author !== account)
      return { status: 403, body: { message: 'author is not the token owner' } };
    const id =
      platform === 'twitter' ? String(1_000_000 + ++this.seq) : `urn:li:share:${++this.seq}`;
    this.posts.push({ id, platform, account, text, at: Date.now() });
    if (this.holding) {
      this.heldCount++;
      await new Promise<void>((resolve) => this.releaseHeld.push(resolve));
    } else await this.delay();
    return platform === 'twitter'
      ? { status: 201, body: { data: { id, text } } }
      : { status: 201, headers: { 'x-restli-id': id } };
  }

  private async timeline(account: string, r: RecordedRequest): Promise<Reply> {
    await this.delay();
    const query = new URL(r.path, 'http://x').searchParams;
    const since = Date.parse(query.get('start_time') ?? '') || 0;
    const max = Number(query.get('max_results') ?? 10);
    const from = Number(query.get('pagination_token') ?? 0);
    const all = this.posts
      .filter((p) => p.platform === 'twitter' && p.account === account && p.at >= since)
      .reverse();
    const data = all
      .slice(from, from + max)
      .map((p) => ({ id: p.id, text: p.text, created_at: new Date(p.at).toISOString() }));
    const next = from + max < all.length ? String(from + max) : undefined;
    return {
      status: 200,
      body: { data, meta: { result_count: data.length, ...(next ? { next_token: next } : {}) } },
    };
  }

  private async linkedinPosts(r: RecordedRequest): Promise<Reply> {
    await this.delay();
    if (!this.accountOf(r)) return { status: 401, body: { message: 'Unauthorized' } };
    const query = new URL(r.path, 'http://x').searchParams;
    const author = query.get('author') ?? '';
    const count = Number(query.get('count') ?? 10);
    const start = Number(query.get('start') ?? 0);
    const elements = this.posts
      .filter((p) => p.platform === 'linkedin' && p.account === author)
      .reverse()
      .slice(start, start + count)
      .map((p) => ({ id: p.id, commentary: p.text, createdAt: p.at }));
    return { status: 200, body: { elements } };
  }

  private delay(): Promise<void> {
    const { min, max } = this.latencyMs;
    return new Promise((r) => setTimeout(r, min + Math.random() * (max - min)));
  }

  stop(): Promise<void> {
    this.release();
    return this.http.stop();
  }
}
