import { AddressInfo } from 'node:net';
import { ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  subject: string;
  html: string;
  text: string;
  parsed: ParsedMail;
  receivedAt: number;
}

/**
 * A real SMTP server on loopback (npm smtp-server). `rejectWith` makes it refuse messages with that
 * SMTP code (421 = try later, 550 = never), for the retry tests.
 */
export class FakeSmtp {
  readonly received: ReceivedMail[] = [];
  rejectWith?: { code: number; message: string };
  attempts = 0;
  port = 0;
  private waiters: (() => void)[] = [];
  private readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData: (stream, session, callback) => this.onData(stream, session, callback),
  });

  static async start(): Promise<FakeSmtp> {
    const fake = new FakeSmtp();
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.port = (fake.server.server.address() as AddressInfo).port;
    return fake;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  private onData(
    stream: SMTPServerDataStream,
    _session: SMTPServerSession,
    callback: (error?: Error | null) => void,
  ): void {
    this.attempts++;
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      if (this.rejectWith)
        return callback(
          Object.assign(new Error(this.rejectWith.message), { responseCode: this.rejectWith.code }),
        );
      simpleParser(Buffer.concat(chunks))
        .then((parsed) => {
          this.received.push({
            to: [parsed.to ?? []].flat().flatMap((a) => a.value.map((v) => v.address ?? '')),
            subject: parsed.subject ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            text: parsed.text ?? '',
            parsed,
            receivedAt: Date.now(),
          });
          this.waiters.splice(0).forEach((w) => w());
          callback();
        })
        .catch(callback);
    });
  }

  /** Resolves once `count` messages have arrived. */
  async waitFor(count: number, timeoutMs = 20_000): Promise<ReceivedMail[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > deadline)
        throw new Error(`only ${this.received.length} of ${count} emails arrived`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.received;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
