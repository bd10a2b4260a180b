/**
 * The load's HTTP client: requests alternate between the API processes (round robin), every
 * answer's status is counted, and every accepted job (202) is remembered with its queue.
 */
export interface Accepted {
  jobId: string;
  queue: string;
  scenario: string;
  /** For posts: the unique text each platform must get once. */
  text?: string;
  platforms?: string[];
  /** The owner's access token (to ask the API about the job). */
  token?: string;
  /** When the 202 came, ms since the suite started. */
  at?: number;
}

export class StatusCounts {
  readonly byStatus = new Map<number, number>();
  networkErrors = 0;
  readonly samples: string[] = [];

  add(status: number, sample?: string): void {
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
    if (sample && this.samples.length < 5) this.samples.push(sample);
  }

  count(filter: (status: number) => boolean): number {
    let n = 0;
    for (const [s, c] of this.byStatus) if (filter(s)) n += c;
    return n;
  }

  summary(): string {
    return [...this.byStatus.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([s, c]) => `${s}:${c}`)
      .concat(this.networkErrors ? [`net:${this.networkErrors}`] : [])
      .join(' ');
  }
}

export interface Answer {
  status: number;
  body: unknown;
}

export class ApiClient {
  private next = 0;
  counts = new StatusCounts();

  constructor(private readonly urls: () => string[]) {}

  async call(
    method: 'GET' | 'POST',
    route: string,
    token?: string,
    body?: unknown,
    count = true,
  ): Promise<Answer> {
    const urls = this.urls();
    const base = urls[this.next++ % urls.length];
    try {
      const response = await fetch(`${base}/api${route}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        /* keep text */
      }
      if (count)
        this.counts.add(
          response.status,
          response.status >= 500 && response.status !== 503
            ? `${method} ${route} ${response.status} ${text.slice(0, 200)}`
            : undefined,
        );
      return { status: response.status, body: parsed };
    } catch (error) {
      if (count) {
        this.counts.networkErrors++;
        if (this.counts.samples.length < 5)
          this.counts.samples.push(`${method} ${route}: ${(error as Error).message}`);
      }
      return { status: 0, body: undefined };
    }
  }
}
