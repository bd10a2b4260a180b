/**
 * What the benchmarks share: a throw-away config (own database, own Redis prefix), CPU accounting
 * for the processes a bench uses (found by the ports it talks to), percentiles, and a small
 * loopback HTTP client.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mongo } from 'mongoose';
import { AppConfig, AppRole, loadAppConfig } from '../src/config/app-config';
import { deleteKeysWithPrefix } from '../src/infra/redis/delete-prefix';

/**
 * The app's config for one bench run: `.env` and the environment, then a fresh database named
 * after `prefix` (same server as MONGODB_URI), `prefix` as the Redis prefix, fresh secrets, and
 * `overrides` on top.
 */
export function benchConfig(
  prefix: string,
  role: AppRole,
  overrides: Record<string, string> = {},
): AppConfig {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const url = new URL(process.env.MONGODB_URI?.trim() || 'mongodb://127.0.0.1:27017/click-api');
  url.pathname = `/${prefix}`;
  return loadAppConfig({
    ...process.env,
    JWT_SECRET: randomBytes(32).toString('hex'),
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    MONGODB_URI: url.href,
    REDIS_PREFIX: prefix,
    APP_ROLE: role,
    LOG_LEVEL: 'warn',
    ...overrides,
  });
}

/** A prefix (and database name) no other run uses. */
export function runPrefix(name: string): string {
  return `bench_${name}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export function dropPrefix(config: AppConfig): Promise<void> {
  return deleteKeysWithPrefix(config.redis, config.redisPrefix);
}

/** Drops the config's database through a connection of its own (whether or not an app started). */
export async function dropDatabase(config: AppConfig): Promise<void> {
  const client = new mongo.MongoClient(config.mongo.uri, { serverSelectionTimeoutMS: 5000 });
  try {
    await client.connect();
    await client.db().dropDatabase();
  } finally {
    await client.close();
  }
}

// ---- CPU of the processes a bench uses

/** Socket inodes listening on `port` (IPv4 and IPv6), from /proc/net/tcp*. */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      if (fields.length < 10 || fields[3] !== '0A') continue;
      const localPort = parseInt(fields[1].split(':').pop() ?? '', 16);
      if (localPort === port) inodes.add(fields[9]);
    }
  }
  return inodes;
}

/** The process holding a listening socket on `port`, or undefined (not local, or not visible). */
export function pidListeningOn(port: number): number | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  const wanted = new Set([...inodes].map((inode) => `socket:[${inode}]`));
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (wanted.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) return Number(pid);
      } catch {
        /* closed meanwhile */
      }
    }
  }
  return undefined;
}

function processCpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime + stime of every thread, in clock ticks (10 ms on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

export type CpuSample = Record<string, number>;

/**
 * CPU time of this process and of the Redis and MongoDB-wire servers this bench's config points
 * at (the processes listening on those ports): not of every redis-server on the machine. Other
 * clients of the same servers (a test run at the same time) are still counted: run benches alone.
 */
export class BenchCpu {
  private constructor(private readonly servers: { label: string; pid: number }[]) {}

  static forConfig(config: AppConfig): BenchCpu {
    const servers: { label: string; pid: number }[] = [];
    const mongoPort = Number(new URL(config.mongo.uri).port || 27017);
    for (const [label, port] of [
      ['redis', config.redis.port],
      ['mongo', mongoPort],
    ] as const) {
      const pid = pidListeningOn(port);
      if (pid === undefined) {
        console.log(`(cpu: no local process listens on port ${port}; ${label} not counted)`);
        continue;
      }
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8')
        .trim()
        .replace(/^ferretdb.*/, 'ferretdb');
      servers.push({ label: comm || label, pid });
    }
    return new BenchCpu(servers);
  }

  /** This process and the servers listening on `ports` (labelled `<label>:<port>`). */
  static forPorts(label: string, ports: number[]): BenchCpu {
    const servers: { label: string; pid: number }[] = [];
    for (const port of ports) {
      const pid = pidListeningOn(port);
      if (pid !== undefined) servers.push({ label: `${label}:${port}`, pid });
    }
    return new BenchCpu(servers);
  }

  describe(): string {
    return ['node (this process)', ...this.servers.map((s) => `${s.label} pid ${s.pid}`)].join(
      ', ',
    );
  }

  sample(): CpuSample {
    const usage = process.cpuUsage();
    const times: CpuSample = { node: (usage.user + usage.system) / 1000 };
    for (const { label, pid } of this.servers) {
      const ms = processCpuMs(pid);
      if (ms !== undefined) times[label] = ms;
    }
    return times;
  }

  /** CPU ms of each process between two samples. */
  static delta(before: CpuSample, after: CpuSample): CpuSample {
    return Object.fromEntries(
      Object.keys(after).map((name) => [name, after[name] - (before[name] ?? 0)]),
    );
  }

  static report(before: CpuSample, after: CpuSample): string {
    return Object.keys(after)
      .map((name) => `${name} ${Math.round(after[name] - (before[name] ?? 0))} ms`)
      .join(', ');
  }
}

// ---- statistics

export function median(values: number[]): number {
  return percentile(values, 50);
}

/** Linear interpolation between closest ranks (numpy's default). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

/** Runs `global.gc` when node was started with --expose-gc (scripts/bench.sh does). */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

// ---- loopback HTTP

export interface HttpAnswer {
  status: number;
  body: unknown;
  ms: number;
}

/** Sequential JSON requests to the app under test, on one kept-alive connection. */
export class LoopbackClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  constructor(private readonly port: number) {}

  async request(
    method: string,
    path: string,
    options: { token?: string; body?: unknown } = {},
  ): Promise<HttpAnswer> {
    try {
      return await this.once(method, path, options);
    } catch (error) {
      // The server closed an idle kept-alive connection just as it was reused: send it again.
      if ((error as { reused?: boolean }).reused) return this.once(method, path, options);
      throw error;
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private once(
    method: string,
    path: string,
    options: { token?: string; body?: unknown },
  ): Promise<HttpAnswer> {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    return new Promise((resolve, reject) => {
      const start = performance.now();
      const req = http.request(
        { host: '127.0.0.1', port: this.port, method, path, headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const ms = performance.now() - start;
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = text;
            try {
              body = text ? JSON.parse(text) : undefined;
            } catch {
              /* not JSON */
            }
            resolve({ status: res.statusCode ?? 0, body, ms });
          });
        },
      );
      req.on('error', (error: Error & { reused?: boolean }) => {
        if (req.reusedSocket && (error as { code?: string }).code === 'ECONNRESET')
          error.reused = true;
        reject(error);
      });
      req.end(payload);
    });
  }
}

/** Throws unless the answer has the expected status (the body says why). */
export function expectStatus(answer: HttpAnswer, status: number, what: string): HttpAnswer {
  if (answer.status !== status)
    throw new Error(
      `${what}: expected ${status}, got ${answer.status} ${JSON.stringify(answer.body)?.slice(0, 300)}`,
    );
  return answer;
}
