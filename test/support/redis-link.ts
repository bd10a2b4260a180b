import net from 'node:net';

interface Link {
  client: net.Socket;
  server: net.Socket;
  /** The first bytes the client sent: ioredis names itself there (CLIENT SETNAME). */
  hello: string;
}

/**
 * A TCP hop between the app and a real Redis, for faults on one kind of connection: the app's
 * clients name themselves (`click-api:queue`, `click-api:commands`, …), and this cuts the ones
 * with a given name (and refuses them when they reconnect), or answers one command itself with
 * an error reply, as a demoted master would. Everything else passes through untouched.
 */
export class RedisLink {
  private readonly links = new Set<Link>();
  private cutName?: string;
  private answer?: { marker: string; reply: string };

  private constructor(
    private readonly listener: net.Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<RedisLink> {
    const accept: { to?: RedisLink } = {};
    const listener = net.createServer((client) => accept.to!.accept(client, target));
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    accept.to = new RedisLink(listener, (listener.address() as net.AddressInfo).port);
    return accept.to;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Connections named `name` are closed now and each time they come back, until restore(). */
  cut(name: string): void {
    this.cutName = name;
    for (const link of this.links) if (link.hello.includes(name)) this.drop(link);
  }

  restore(): void {
    this.cutName = undefined;
  }

  /** The next command carrying `marker` is answered with `reply` (one RESP error) by this hop. */
  refuseNext(marker: string, reply: string): void {
    this.answer = { marker, reply };
  }

  async close(): Promise<void> {
    for (const link of this.links) this.drop(link);
    await new Promise((resolve) => this.listener.close(resolve));
  }

  private accept(client: net.Socket, target: { host: string; port: number }): void {
    const link: Link = { client, server: net.connect(target.port, target.host), hello: '' };
    this.links.add(link);
    link.server.on('data', (chunk) => client.write(chunk));
    client.on('data', (chunk) => {
      if (link.hello.length < 1024) link.hello += chunk.toString('latin1');
      if (this.cutName && link.hello.includes(this.cutName)) return this.drop(link);
      if (this.answer && chunk.includes(this.answer.marker)) {
        client.write(`-${this.answer.reply}\r\n`);
        this.answer = undefined;
        return;
      }
      link.server.write(chunk);
    });
    for (const socket of [client, link.server]) {
      socket.on('error', () => this.drop(link));
      socket.on('close', () => this.drop(link));
    }
  }

  private drop(link: Link): void {
    if (!this.links.delete(link)) return;
    link.client.destroy();
    link.server.destroy();
  }
}
