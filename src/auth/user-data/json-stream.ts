import type { Writable } from 'node:stream';

/**
 * Writes one JSON document piece by piece to a stream, waiting for `drain` when the reader is
 * slower (a large export never sits in memory whole). Throws once the reader went away.
 */
export class JsonStream {
  private first = true;

  constructor(private readonly out: Writable) {}

  async raw(text: string): Promise<void> {
    if (this.out.destroyed) throw new Error('the reader went away');
    if (this.out.write(text)) return;
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error) => {
        this.out.off('drain', done).off('close', closed);
        if (error) reject(error);
        else resolve();
      };
      const closed = () => done(new Error('the reader went away'));
      this.out.once('drain', done).once('close', closed);
    });
  }

  /** `"key":value` as the object's next member. */
  async member(key: string, value: unknown): Promise<void> {
    await this.raw(`${this.separator()}${JSON.stringify(key)}:${JSON.stringify(value ?? null)}`);
  }

  /** `"key":[...]`, its items given one at a time by `fill`. */
  async array(key: string, fill: (item: (value: unknown) => Promise<void>) => Promise<void>) {
    await this.raw(`${this.separator()}${JSON.stringify(key)}:[`);
    let firstItem = true;
    await fill(async (value) => {
      await this.raw(`${firstItem ? '' : ','}${JSON.stringify(value)}`);
      firstItem = false;
    });
    await this.raw(']');
  }

  private separator(): string {
    const separator = this.first ? '' : ',';
    this.first = false;
    return separator;
  }
}
