import http, { IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
  at: number;
}

export type Reply = { status: number; body?: unknown; headers?: Record<string, string> };
/** An OpenAI-compatible /chat/completions answer whose message is `post` as JSON. */
export function chatCompletion(post: { text: string; hashtags?: string[] }): Reply {
  return { status: 200, body: { choices: [{ message: { content: JSON.stringify(post) } }] } };
}

export type Handler = (
  request: RecordedRequest,
  res: ServerResponse,
) => Reply | Promise<Reply> | 'hold';

/**
 * A small HTTP server on loopback that plays a third-party API. Each route has a handler; a
 * handler can return 'hold' to keep the request open until release() (for concurrency and
 * cancel tests). Every request is recorded, and requests whose client went away are counted.
 */
export class HttpFake {
  readonly requests: RecordedRequest[] = [];
  readonly held: { request: RecordedRequest; res: ServerResponse; reply: Reply }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  clientAborts = 0;
  private readonly routes = new Map<string, Handler>();

  private readonly server = http.createServer((req, res) => void this.handle(req, res));

  static async start(): Promise<HttpFake> {
    const fake = new HttpFake();
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  on(method: string, path: string, handler: Handler): this {
    this.routes.set(`${method} ${path}`, handler);
    return this;
  }

  /** Answers every held request (with the reply its handler gave alongside 'hold'). */
  release(reply: Reply): void {
    for (const h of this.held.splice(0))
      if (!h.res.writableEnded && !h.res.destroyed) send(h.res, reply);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown = raw;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      /* keep text */
    }
    const request: RecordedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body,
      at: Date.now(),
    };
    this.requests.push(request);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let finished = false;
    res.on('close', () => {
      this.inFlight--;
      if (!res.writableEnded) this.clientAborts++;
      finished = true;
    });
    const handler = this.routes.get(`${request.method} ${request.path.split('?')[0]}`);
    if (!handler) return send(res, { status: 404, body: { message: 'no such route' } });
    const reply = await handler(request, res);
    if (reply === 'hold') {
      this.held.push({ request, res, reply: { status: 200 } });
      return;
    }
    if (!finished) send(res, reply);
  }

  stop(): Promise<void> {
    for (const h of this.held.splice(0)) h.res.destroy();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function send(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
  res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
}
