import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function waitForPort(port: number, up: boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await portAnswers(port)) === up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} did not become ${up ? 'open' : 'closed'} within ${timeoutMs} ms`);
}

// The services script knows where it built FerretDB.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const services = require('../../scripts/services.js') as { ferretdbPath(): string | undefined };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const s3Server = require('../../scripts/s3-server.js') as {
  weedPath(): string | undefined;
  weedArgs(options: { ip: string; port: number; dir: string }): string[];
  s3Ready(endpoint: string, credentials: object): Promise<boolean>;
};

/**
 * The kernel's first ephemeral port. Outbound connections take their local ports from there up,
 * so a server that is stopped and started again on a port above it may find the port taken by
 * some other test's connection meanwhile (CI saw SeaweedFS not come back that way).
 */
function ephemeralFloor(): number {
  try {
    const [floor] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/);
    return Number(floor) || 32_768;
  } catch {
    return 32_768;
  }
}

/**
 * A port whose next four and each + 10000 are free too (weed mini's layout, see s3-server.js),
 * all below the ephemeral range, and above the fixed ports tests use (Redis clusters on 7xxx and
 * their buses on 17xxx, the dev S3 server on 18333…, the multi-host test's 18400).
 */
async function weedPorts(): Promise<number> {
  const low = 20_000;
  const high = Math.max(low + 1, ephemeralFloor() - 10_005);
  for (;;) {
    const port = low + Math.floor(Math.random() * (high - low));
    const ports = [0, 1, 2, 3, 4].flatMap((i) => [port + i, port + i + 10_000]);
    if (!(await Promise.all(ports.map(portAnswers))).some(Boolean)) return port;
  }
}

/**
 * A free port for a server a test stops and starts again: below the ephemeral range (see
 * ephemeralFloor) and between the weed ports' two bands, so no connection can claim it meanwhile.
 */
async function restartablePort(): Promise<number> {
  for (;;) {
    const port = 23_000 + Math.floor(Math.random() * 4_000);
    if (!(await portAnswers(port))) return port;
  }
}

function ferretdbBinary(): string {
  const binary = services.ferretdbPath();
  if (!binary) throw new Error('no Go toolchain: cannot find the FerretDB build');
  return binary;
}

/**
 * A server process owned by one test, on a fixed port so it can be stopped and started again
 * at the same address (what an outage looks like to the app).
 */
export class OwnedServer {
  private child?: ChildProcess;

  private constructor(
    readonly port: number,
    private readonly argsFor: (port: number) => [string, string[]],
    private readonly cleanup: () => void,
    private readonly env?: NodeJS.ProcessEnv,
    private readonly ready?: () => Promise<boolean>,
    /** Where the server's output goes (kept for the error when it does not start). */
    private readonly logFile?: string,
  ) {}

  /** SeaweedFS's S3 server (the build scripts/services.js made), with these credentials. */
  static async s3(credentials: { accessKeyId: string; secretAccessKey: string }) {
    const binary = s3Server.weedPath();
    if (!binary) throw new Error('no Go toolchain: cannot find the SeaweedFS build');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'click-s3-'));
    const logFile = `${dir}.log`;
    const port = await weedPorts();
    const server = new OwnedServer(
      port,
      (p) => [binary, s3Server.weedArgs({ ip: '127.0.0.1', port: p, dir })],
      () => {
        rmSync(dir, { recursive: true, force: true });
        rmSync(logFile, { force: true });
      },
      {
        ...process.env,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      },
      // Its S3 port opens a moment before it answers signed requests.
      () => s3Server.s3Ready(`http://127.0.0.1:${port}`, credentials),
      logFile,
    );
    await server.start();
    return server;
  }

  static async redis(): Promise<OwnedServer> {
    const port = await restartablePort();
    const server = new OwnedServer(
      port,
      (p) => [
        'redis-server',
        ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      ],
      () => undefined,
    );
    await server.start();
    return server;
  }

  static async ferretdb(): Promise<OwnedServer> {
    const port = await restartablePort();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'click-ferretdb-'));
    const binary = ferretdbBinary();
    const server = new OwnedServer(
      port,
      (p) => [
        binary,
        [
          '--handler=sqlite',
          `--sqlite-url=file:${dir}/?_pragma=synchronous(normal)`,
          `--listen-addr=127.0.0.1:${p}`,
          `--state-dir=${dir}`,
          '--telemetry=disable',
          '--debug-addr=-',
          '--log-level=error',
        ],
      ],
      () => rmSync(dir, { recursive: true, force: true }),
    );
    await server.start();
    return server;
  }

  /** Starts the server unless it runs already. */
  async start(): Promise<void> {
    if (this.running()) return;
    const [command, args] = this.argsFor(this.port);
    const out = this.logFile ? openSync(this.logFile, 'a') : 'ignore';
    const child = spawn(command, args, { stdio: ['ignore', out, out], env: this.env });
    if (typeof out === 'number') closeSync(out);
    this.child = child;
    // Generous: on a loaded CI machine SeaweedFS alone takes seconds to open its S3 port.
    const deadline = Date.now() + 60_000;
    while (!(await portAnswers(this.port))) {
      if (!this.running())
        throw new Error(
          `${path.basename(command)} exited before port ${this.port} opened${this.tail()}`,
        );
      if (Date.now() > deadline)
        throw new Error(`port ${this.port} did not open within 60 s${this.tail()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (let tries = 0; this.ready && !(await this.ready()); tries++) {
      if (tries > 150) throw new Error(`the server on port ${this.port} did not become ready`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  private running(): boolean {
    return Boolean(this.child && this.child.exitCode === null && this.child.signalCode === null);
  }

  /** The end of the server's output, for an error message. */
  private tail(): string {
    if (!this.logFile || !existsSync(this.logFile)) return '';
    const lines = readFileSync(this.logFile, 'utf8').trim().split('\n').slice(-15);
    return `; its output ends:\n${lines.join('\n')}`;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    await waitForPort(this.port, false);
  }

  async dispose(): Promise<void> {
    await this.stop();
    this.cleanup();
  }
}
