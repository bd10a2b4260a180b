import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { freePort, waitForPort } from '../test/support/servers';

/**
 * A Redis of the suite's own on a fixed loopback port, with an append-only file (fsync every
 * second) in a temporary folder, so it can be shut down and come back with its data, be killed,
 * or come back empty (its folder deleted).
 */
export class AofRedis {
  private child?: ChildProcess;

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(): Promise<AofRedis> {
    const redis = new AofRedis(
      await freePort(),
      mkdtempSync(path.join(os.tmpdir(), 'click-chaos-redis-')),
    );
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    this.child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'everysec',
        '--save',
        '',
        '--maxmemory-policy',
        'noeviction',
      ],
      { stdio: 'ignore' },
    );
    await waitForPort(this.port, true);
    // Loading the AOF: answer PING only once the data is back.
    const client = new Redis(this.port, '127.0.0.1', {
      maxRetriesPerRequest: 1,
      lazyConnect: true,
    });
    try {
      const deadline = Date.now() + 20_000;
      for (;;) {
        try {
          await client.connect().catch(() => undefined);
          if ((await client.ping()) === 'PONG') break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      client.disconnect();
    }
  }

  /** `SHUTDOWN`: Redis writes its AOF out and exits. */
  async shutdown(): Promise<void> {
    const client = new Redis(this.port, '127.0.0.1', { maxRetriesPerRequest: 0 });
    await client.call('SHUTDOWN').catch(() => undefined);
    client.disconnect();
    await this.exited();
  }

  /** kill -9: whatever was not yet fsynced (up to a second) is gone. */
  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited();
  }

  /** Deletes everything Redis kept (call while stopped): it comes back empty. */
  wipe(): void {
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir);
  }

  private async exited(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null)
      await new Promise((r) => child.once('exit', r));
    await waitForPort(this.port, false);
  }

  /** Synchronous last resort (process exit). */
  killNow(): void {
    if (this.running) this.child?.kill('SIGKILL');
  }

  async dispose(): Promise<void> {
    if (this.running) await this.kill().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
