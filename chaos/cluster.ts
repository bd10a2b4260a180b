import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppProcess, spawnApp } from '../test/support/app-process';
import { FakeSmtp } from '../test/support/fakes/smtp';
import { OwnedServer } from '../test/support/servers';
import { Env, mongoUriFor, testEnv, uniqueName } from '../test/support/test-env';
import { PlatformsFake } from './platforms-fake';
import { AofRedis } from './redis-aof';
import { ReplicatedKind, ReplicatedRedis } from './redis-replicated';

/** Which Redis the run's processes share: one node (AOF), a cluster, or Sentinel. */
export type RedisTopology = 'single' | ReplicatedKind;

export const ADMIN = { email: 'chaos-admin@click.local', password: 'chaos-admin-password' };
export const SHUTDOWN_TIMEOUT_MS = 2000;
/** The scheduled-posts cron fires this often in the suite (every minute in production). */
export const CRON_PERIOD_MS = 10_000;
// The compiled suite runs from .data/chaos-dist; scripts/chaos.sh starts it from the repository.
export const LOG_DIR = path.join(process.cwd(), '.data', 'chaos-logs');

type Role = 'api' | 'worker';

interface Member {
  role: Role;
  label: string;
  app: AppProcess;
}

/**
 * One run's topology: its own Redis (AOF) and FerretDB, the platform and SMTP fakes, 2 API and
 * 2 worker processes of `dist/main.js`, all sharing one environment. Everything it starts is
 * stopped by dispose(), and (synchronously, as a last resort) by killNow().
 */
export class Cluster {
  readonly apis: Member[] = [];
  readonly workers: Member[] = [];
  private readonly exited: Member[] = [];
  private spawned = 0;

  private constructor(
    readonly name: string,
    readonly env: Env,
    readonly redis: AofRedis | ReplicatedRedis,
    readonly mongo: OwnedServer,
    readonly platforms: PlatformsFake,
    readonly smtp: FakeSmtp,
    readonly dataDir: string,
  ) {}

  static async start(topology: RedisTopology = 'single'): Promise<Cluster> {
    const parts: {
      redis?: AofRedis | ReplicatedRedis;
      mongo?: OwnedServer;
      platforms?: PlatformsFake;
      smtp?: FakeSmtp;
    } = {};
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'click-chaos-data-'));
    try {
      parts.redis =
        topology === 'single' ? await AofRedis.start() : ReplicatedRedis.start(topology);
      parts.mongo = await OwnedServer.ferretdb();
      parts.platforms = await PlatformsFake.start();
      parts.smtp = await FakeSmtp.start();
      // A worker killed mid-conversation resets its connection: that is the point, not an error.
      (parts.smtp as unknown as { server: EventEmitter }).server.on('error', () => undefined);
    } catch (error) {
      await parts.redis?.dispose();
      await parts.mongo?.dispose();
      await parts.platforms?.stop();
      await parts.smtp?.stop();
      rmSync(dataDir, { recursive: true, force: true });
      throw error;
    }
    const name = uniqueName('chaos');
    const env = testEnv(name, {
      REDIS_URL: parts.redis instanceof AofRedis ? parts.redis.url : undefined,
      REDIS_HOST: undefined,
      REDIS_PORT: undefined,
      REDIS_PASSWORD: undefined,
      REDIS_CLUSTER_NODES: undefined,
      REDIS_SENTINELS: undefined,
      ...(parts.redis instanceof ReplicatedRedis ? parts.redis.env() : {}),
      MONGODB_URI: mongoUriFor(name, `mongodb://127.0.0.1:${parts.mongo.port}`),
      TWITTER_API_BASE_URL: parts.platforms.url,
      LINKEDIN_API_BASE_URL: parts.platforms.url,
      SMTP_URL: parts.smtp.url,
      LLM_BASE_URL: undefined,
      SPEECH_BASE_URL: undefined,
      DATA_DIR: dataDir,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      THROTTLE_LIMIT: '1000000',
      USER_MAX_PENDING_JOBS: '1000000',
      // Ticks every 10 s, so a run of a few minutes checks dozens of them.
      CRON_SCHEDULED_POSTS: `*/${CRON_PERIOD_MS / 1000} * * * * *`,
      JOB_RECONCILE_GRACE_MS: '2000',
      JOB_RECONCILE_INTERVAL_MS: '2000',
      JOB_LOCK_DURATION_MS: '3000',
      JOB_STALLED_CHECK_MS: '1000',
      JOB_BACKOFF_DELAY_MS: '200',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      SOCIAL_REQUEST_TIMEOUT_MS: '5000',
      QUEUE_SOCIAL_POSTING_RATE_MAX: '1000000',
      QUEUE_SOCIAL_POSTING_RATE_DURATION_MS: '1000',
      QUEUE_EMAIL_SENDING_RATE_MAX: '1000000',
      QUEUE_EMAIL_SENDING_RATE_DURATION_MS: '1000',
      QUEUE_CONTENT_GENERATION_RATE_MAX: '1000000',
      QUEUE_CONTENT_GENERATION_RATE_DURATION_MS: '1000',
      QUEUE_SOCIAL_POSTING_CONCURRENCY: '10',
      QUEUE_EMAIL_SENDING_CONCURRENCY: '10',
      QUEUE_CONTENT_GENERATION_CONCURRENCY: '5',
    });
    const cluster = new Cluster(
      name,
      env,
      parts.redis,
      parts.mongo,
      parts.platforms,
      parts.smtp,
      dataDir,
    );
    rmSync(LOG_DIR, { recursive: true, force: true });
    mkdirSync(LOG_DIR, { recursive: true });
    try {
      // The first API process creates the admin; the others start alongside each other.
      cluster.apis.push(await cluster.spawn('api'));
      const rest = await Promise.all([
        cluster.spawn('api'),
        cluster.spawn('worker'),
        cluster.spawn('worker'),
      ]);
      cluster.apis.push(rest[0]);
      cluster.workers.push(rest[1], rest[2]);
    } catch (error) {
      await cluster.dispose();
      throw error;
    }
    return cluster;
  }

  get apiUrls(): string[] {
    return this.apis.map((m) => m.app.url);
  }

  get mongoUri(): string {
    return this.env.MONGODB_URI!;
  }

  private async spawn(role: Role): Promise<Member> {
    const label = `${role}-${++this.spawned}`;
    const app = await spawnApp({ ...this.env, APP_ROLE: role }, 60_000);
    const member = { role, label, app };
    app.child.once('exit', () => this.saveLog(member));
    return member;
  }

  private saveLog(member: Member): void {
    try {
      writeFileSync(path.join(LOG_DIR, `${member.label}.log`), member.app.output());
    } catch {
      /* the log is a convenience */
    }
  }

  /** kill -9 worker `index`, then a fresh worker in its place. */
  async killWorker(index: number): Promise<void> {
    const old = this.workers[index];
    await old.app.stop('SIGKILL');
    this.exited.push(old);
    this.workers[index] = await this.spawn('worker');
  }

  /** SIGTERM worker `index`; resolves with its exit code and how long it took. */
  async terminateWorker(index: number): Promise<{ code: number | string | null; ms: number }> {
    const old = this.workers[index];
    const started = Date.now();
    const code = await old.app.stop('SIGTERM');
    this.exited.push(old);
    return { code, ms: Date.now() - started };
  }

  async restartWorker(index: number): Promise<void> {
    this.workers[index] = await this.spawn('worker');
  }

  /** Processes that exited on their own (not killed by the suite). */
  unexpectedExits(): string[] {
    return [...this.apis, ...this.workers]
      .filter((m) => m.app.child.exitCode !== null || m.app.child.signalCode !== null)
      .map((m) => `${m.label} (${m.app.child.exitCode ?? m.app.child.signalCode})`);
  }

  killNow(): void {
    for (const m of [...this.apis, ...this.workers])
      if (m.app.child.exitCode === null && m.app.child.signalCode === null)
        m.app.child.kill('SIGKILL');
    this.redis.killNow();
    // OwnedServer keeps its process and folder private; at exit they are reached this way.
    const ferret = this.mongo as unknown as {
      child?: { kill(s: string): void; exitCode: number | null };
      cleanup: () => void;
    };
    if (ferret.child && ferret.child.exitCode === null) ferret.child.kill('SIGKILL');
    ferret.cleanup();
    rmSync(this.dataDir, { recursive: true, force: true });
    if (this.redis instanceof AofRedis) rmSync(this.redis.dir, { recursive: true, force: true });
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.apis, ...this.workers].map((m) => m.app.stop('SIGKILL')));
    await this.platforms.stop().catch(() => undefined);
    await this.smtp.stop().catch(() => undefined);
    await this.redis.dispose().catch(() => undefined);
    await this.mongo.dispose().catch(() => undefined);
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
