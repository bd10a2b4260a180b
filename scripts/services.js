#!/usr/bin/env node
// Starts (or finds) the services click-api needs, without Docker:
//   Redis         — the configured one if it answers, else a project-local redis-server
//   MongoDB wire  — MONGODB_URI if it answers, else a local mongod, else FerretDB v1.24.2 (SQLite)
//   S3 (--s3)     — SeaweedFS `weed mini` on 127.0.0.1:S3_DEV_PORT (18333), see s3-server.js;
//                   the endpoint and its credentials are written to .data/s3-dev.json
//
//   node scripts/services.js up [--s3] [--record FILE]   start what is missing; wait until all answer
//   node scripts/services.js down [--only FILE]   stop what this script started (or those in FILE)
//   node scripts/services.js status
//   node scripts/services.js ensure-tool CMD DEBIAN_PACKAGE [MORE_PACKAGES...]
//
// Run it through scripts/services.sh, which holds a lock so two callers never start two copies.
// Only Node built-ins are used, plus the `mongodb` driver once `npm ci` has run.
'use strict';

const { execFileSync, spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DATA = path.join(ROOT, '.data');
const RUN = path.join(DATA, 'run');
const FERRETDB_VERSION = 'v1.24.2';
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function log(message) {
  process.stdout.write(`services: ${message}\n`);
}

function fail(message) {
  process.stderr.write(`services: ${message}\n`);
  process.exit(1);
}

function loadDotEnv() {
  const file = path.join(ROOT, '.env');
  if (fs.existsSync(file)) process.loadEnvFile(file);
}

function env(name) {
  const value = process.env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(250);
  }
  fail(`${what} did not answer within ${timeoutMs / 1000} s`);
}

function which(cmd) {
  const found = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

/** Installs a Debian package when its command is missing (we run as root in dev and CI). */
function ensureTool(cmd, ...pkgs) {
  if (which(cmd)) return which(cmd);
  const pkg = pkgs.join(' ');
  log(`${cmd} is missing; installing Debian package(s) ${pkg}`);
  const asRoot = process.getuid && process.getuid() !== 0 ? ['sudo'] : [];
  const apt = (...args) =>
    spawnSync(
      asRoot.length ? 'sudo' : 'apt-get',
      [...(asRoot.length ? ['apt-get'] : []), ...args],
      {
        stdio: 'inherit',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      },
    ).status === 0;
  const install = () => apt('install', '-y', '--no-install-recommends', ...pkgs);
  // A fresh machine may have empty package lists: update once, then try again.
  if (!install() && !(apt('update') && install())) fail(`could not install ${pkg} with apt-get`);
  const found = which(cmd);
  if (!found) fail(`${pkg} installed but ${cmd} is still not on PATH`);
  return found;
}

// ---------------------------------------------------------------- Redis

function redisTarget() {
  if (env('REDIS_URL')) {
    const url = new URL(env('REDIS_URL'));
    return {
      host: url.hostname || '127.0.0.1',
      port: Number(url.port || 6379),
      username: url.username ? decodeURIComponent(url.username) : undefined,
      password: url.password ? decodeURIComponent(url.password) : undefined,
    };
  }
  return {
    host: env('REDIS_HOST') || '127.0.0.1',
    port: Number(env('REDIS_PORT') || 6379),
    password: env('REDIS_PASSWORD'),
  };
}

/** Sends commands in RESP and resolves with the raw reply, or undefined when nothing answers. */
function redisCommands(target, commands, timeoutMs = 1500) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: target.host.replace(/^\[|\]$/g, ''), port: target.port });
    let reply = '';
    const done = (value) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(timeoutMs, () => done(undefined));
    socket.on('error', () => done(undefined));
    socket.on('connect', () => {
      const all = [];
      if (target.password)
        all.push(
          target.username ? ['AUTH', target.username, target.password] : ['AUTH', target.password],
        );
      all.push(...commands);
      socket.write(
        all
          .map(
            (args) =>
              `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`,
          )
          .join(''),
      );
    });
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      const wanted = commands.length + (target.password ? 1 : 0);
      if (reply.split('\r\n').filter((line) => /^[+\-:*]/.test(line)).length >= wanted) done(reply);
    });
  });
}

async function redisAnswers(target) {
  const reply = await redisCommands(target, [['PING']]);
  return reply !== undefined && reply.includes('+PONG');
}

async function redisUp(started) {
  const target = redisTarget();
  const where = `${target.host}:${target.port}`;
  if (await redisAnswers(target)) {
    const policy = await redisCommands(target, [['CONFIG', 'GET', 'maxmemory-policy']]);
    if (policy && !policy.includes('noeviction')) {
      log(
        `WARNING: Redis at ${where} does not use maxmemory-policy noeviction; BullMQ may lose jobs under memory pressure`,
      );
    }
    log(`redis: using the one answering at ${where}`);
    return;
  }
  if (!LOOPBACK.has(target.host))
    fail(`Redis at ${where} does not answer (check REDIS_URL / REDIS_HOST)`);
  const server = ensureTool('redis-server', 'redis-server');
  // Installing the Debian package may have started the system Redis on this very port.
  if (await redisAnswers(target)) {
    log(`redis: using the one answering at ${where}`);
    return;
  }
  const dir = path.join(DATA, `redis-${target.port}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.mkdirSync(RUN, { recursive: true });
  const pidFile = path.join(RUN, `redis-${target.port}.pid`);
  const args = [
    '--port',
    String(target.port),
    '--bind',
    '127.0.0.1',
    '--daemonize',
    'yes',
    '--dir',
    dir,
    '--pidfile',
    pidFile,
    '--logfile',
    path.join(dir, 'redis.log'),
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--maxmemory-policy',
    'noeviction',
  ];
  if (target.password) args.push('--requirepass', target.password);
  execFileSync(server, args, { stdio: 'inherit' });
  await waitFor(`redis at ${where}`, () => redisAnswers(target), 20_000);
  started.push({ name: 'redis', pidFile });
  log(
    `redis: started a project-local redis-server at ${where} (data in ${path.relative(ROOT, dir)})`,
  );
}

// ---------------------------------------------------------------- MongoDB wire

function mongoUri() {
  return env('MONGODB_URI') || 'mongodb://127.0.0.1:27017/click-api';
}

async function mongoAnswers(uri) {
  let MongoClient;
  try {
    ({ MongoClient } = require(require.resolve('mongodb', { paths: [ROOT] })));
  } catch {
    fail('the mongodb driver is missing: run `npm ci` first');
  }
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 1500, connectTimeoutMS: 1500 });
  try {
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => undefined);
  }
}

function goBinary() {
  return (
    which('go') || (fs.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined)
  );
}

function goEnv(go, name) {
  return execFileSync(go, ['env', name], { encoding: 'utf8' }).trim();
}

/** Our build reports this version, so it is never mistaken for an unpatched FerretDB binary. */
const FERRETDB_BUILD = `${FERRETDB_VERSION}-click1`;

function ferretdbWorks(binary) {
  if (!fs.existsSync(binary)) return false;
  const out = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return out.status === 0 && out.stdout.includes(`version: ${FERRETDB_BUILD}\n`);
}

/** Where the FerretDB build lives: GOPATH/bin, under a name of its own. */
function ferretdbPath(go = goBinary()) {
  return go ? path.join(goEnv(go, 'GOPATH'), 'bin', `ferretdb-${FERRETDB_BUILD}`) : undefined;
}

/**
 * FerretDB v1.24.2 from its module source with two changes, both made to a copy:
 * - build/version/version.txt is written: the module zip lacks this generated file, so a plain
 *   `go install ...@v1.24.2` builds a binary that panics at start;
 * - its SQLite `_id` lookups use the expression of its own unique `_id` index. Upstream queries
 *   `->'$._id'` while the index is on `->"_id"`, so SQLite scans the whole table for every update
 *   and delete by _id (about 70 ms per update at 20,000 documents; 1.5 ms with the fix).
 */
function ensureFerretdb() {
  const go = goBinary();
  const binary = ferretdbPath(go);
  if (binary && ferretdbWorks(binary)) return binary;
  if (!go) {
    fail(
      'no MongoDB server: neither mongod nor Go (to build FerretDB) is available.\n' +
        '  Use Docker instead: `docker compose up -d mongo redis`, then set MONGODB_URI=mongodb://127.0.0.1:27017/click-api',
    );
  }
  const goEnvVars = { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false' };
  log(`building FerretDB ${FERRETDB_BUILD} once (a few minutes on a fresh machine) into ${binary}`);
  const started = Date.now();
  const info = JSON.parse(
    execFileSync(
      go,
      ['mod', 'download', '-json', `github.com/FerretDB/FerretDB@${FERRETDB_VERSION}`],
      {
        encoding: 'utf8',
        env: goEnvVars,
      },
    ),
  );
  const src = path.join(DATA, 'build', `ferretdb-${FERRETDB_VERSION}`);
  fs.rmSync(src, { recursive: true, force: true });
  fs.cpSync(info.Dir, src, { recursive: true });
  execFileSync('chmod', ['-R', 'u+w', src]);
  fs.writeFileSync(path.join(src, 'build', 'version', 'version.txt'), `${FERRETDB_BUILD}\n`);
  const metadata = path.join(src, 'internal/backends/sqlite/metadata/metadata.go');
  const before = `IDColumn = DefaultColumn + "->'$._id'"`;
  const source = fs.readFileSync(metadata, 'utf8');
  if (!source.includes(before)) fail(`cannot patch ${metadata}: "${before}" not found`);
  fs.writeFileSync(metadata, source.replace(before, `IDColumn = DefaultColumn + "->'_id'"`));
  fs.mkdirSync(path.dirname(binary), { recursive: true });
  execFileSync(go, ['build', '-trimpath', '-o', binary, './cmd/ferretdb'], {
    cwd: src,
    stdio: 'inherit',
    env: goEnvVars,
  });
  fs.rmSync(src, { recursive: true, force: true });
  if (!ferretdbWorks(binary)) fail(`the FerretDB build at ${binary} does not run`);
  log(`built FerretDB in ${Math.round((Date.now() - started) / 1000)} s`);
  return binary;
}

function startDetached(name, command, args, logFile, pidFile) {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  fs.mkdirSync(RUN, { recursive: true });
  const out = fs.openSync(logFile, 'a');
  // Own session and no inherited pipes, so a CI runner reading our output does not wait for it.
  const child = spawn(command, args, { detached: true, stdio: ['ignore', out, out], cwd: DATA });
  child.unref();
  fs.writeFileSync(pidFile, String(child.pid));
  log(`${name}: started (pid ${child.pid}, log ${path.relative(ROOT, logFile)})`);
}

async function mongoUp(started) {
  const uri = mongoUri();
  const url = new URL(uri);
  const where = url.host;
  if (await mongoAnswers(uri)) {
    log(`mongo: using the one answering at ${where}`);
    return;
  }
  if (url.protocol !== 'mongodb:' || url.host.includes(',') || !LOOPBACK.has(url.hostname)) {
    fail(`MongoDB at ${where} does not answer (check MONGODB_URI)`);
  }
  const port = Number(url.port || 27017);
  const pidFile = path.join(RUN, `mongo-${port}.pid`);
  const mongod = which('mongod');
  if (mongod) {
    const dir = path.join(DATA, `mongod-${port}`);
    fs.mkdirSync(dir, { recursive: true });
    startDetached(
      'mongod',
      mongod,
      ['--bind_ip', '127.0.0.1', '--port', String(port), '--dbpath', dir],
      path.join(dir, 'mongod.log'),
      pidFile,
    );
  } else {
    const ferretdb = ensureFerretdb();
    const dir = path.join(DATA, `ferretdb-${port}`);
    fs.mkdirSync(dir, { recursive: true });
    startDetached(
      'ferretdb',
      ferretdb,
      [
        '--handler=sqlite',
        // WAL without an fsync per commit: about twice the write speed. A power cut may lose the
        // last moment of writes (never corrupts); an app crash loses nothing.
        `--sqlite-url=file:${dir}/?_pragma=synchronous(normal)`,
        `--listen-addr=127.0.0.1:${port}`,
        `--state-dir=${dir}`,
        '--telemetry=disable',
        '--debug-addr=-',
        '--log-level=warn',
      ],
      path.join(dir, 'ferretdb.log'),
      pidFile,
    );
  }
  await waitFor(`mongo at ${where}`, () => mongoAnswers(uri), 30_000);
  started.push({ name: 'mongo', pidFile });
  log(`mongo: answering at ${where}`);
}

// ---------------------------------------------------------------- S3 (SeaweedFS)

/** The dev/test S3 server's endpoint and credentials, as tests and `npm run serve` read them. */
const S3_DEV_FILE = path.join(DATA, 's3-dev.json');

async function s3Up(started) {
  const s3 = require('./s3-server');
  const port = Number(env('S3_DEV_PORT') || 18333);
  const endpoint = `http://127.0.0.1:${port}`;
  // Kept per machine and port, not per checkout: a server another checkout started is reused
  // with the credentials it was started with.
  const credentialsFile = path.join(os.homedir(), '.cache', 'click-api', `s3-dev-${port}.json`);
  const answering = await s3.s3Answers(endpoint);
  if (answering && !fs.existsSync(credentialsFile))
    fail(
      `an S3 server answers at ${endpoint} but its credentials are unknown (${credentialsFile}); stop it or set S3_DEV_PORT`,
    );
  const credentials = s3.devCredentials(credentialsFile);
  fs.mkdirSync(DATA, { recursive: true });
  fs.writeFileSync(S3_DEV_FILE, JSON.stringify({ endpoint, ...credentials }), { mode: 0o600 });
  if (answering) {
    if (!(await s3.s3Ready(endpoint, credentials)))
      fail(
        `the S3 server at ${endpoint} refuses this machine's dev credentials (${credentialsFile})`,
      );
    log(`s3: using the one answering at ${endpoint}`);
    return;
  }
  const binary = s3.ensureWeed(path.join(DATA, 'build', 'weed'), log);
  const dir = path.join(DATA, `s3-${port}`);
  const pidFile = path.join(RUN, `s3-${port}.pid`);
  fs.mkdirSync(RUN, { recursive: true });
  const pid = s3.startWeed(binary, {
    ip: '127.0.0.1',
    port,
    dir,
    credentials,
    logFile: path.join(dir, 'weed.log'),
  });
  fs.writeFileSync(pidFile, String(pid));
  log(`s3: started SeaweedFS (pid ${pid}, log ${path.relative(ROOT, dir)}/weed.log)`);
  await waitFor(`s3 at ${endpoint}`, () => s3.s3Ready(endpoint, credentials), 60_000);
  started.push({ name: 's3', pidFile });
  log(`s3: answering at ${endpoint}`);
}

// ---------------------------------------------------------------- commands

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stop(pidFile) {
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  if (pid > 0 && pidAlive(pid)) {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 40 && pidAlive(pid); i++) await sleep(250);
    if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
    log(`stopped ${path.basename(pidFile, '.pid')} (pid ${pid})`);
  }
  fs.rmSync(pidFile, { force: true });
}

async function main() {
  loadDotEnv();
  const [command, ...rest] = process.argv.slice(2);
  const option = (name) => {
    const at = rest.indexOf(name);
    return at >= 0 ? rest[at + 1] : undefined;
  };
  if (command === 'up') {
    const started = [];
    await redisUp(started);
    await mongoUp(started);
    if (rest.includes('--s3')) await s3Up(started);
    const record = option('--record');
    if (record) fs.writeFileSync(record, started.map((s) => s.pidFile).join('\n'));
  } else if (command === 'down') {
    const only = option('--only');
    const files = only
      ? fs.readFileSync(only, 'utf8').split('\n').filter(Boolean)
      : fs.existsSync(RUN)
        ? fs.readdirSync(RUN).map((f) => path.join(RUN, f))
        : [];
    for (const file of files) await stop(file);
  } else if (command === 'status') {
    log(
      `redis ${(await redisAnswers(redisTarget())) ? 'up' : 'down'}; mongo ${(await mongoAnswers(mongoUri())) ? 'up' : 'down'}`,
    );
  } else if (command === 'ensure-tool' && rest.length >= 2) {
    ensureTool(...rest);
  } else {
    fail(
      'usage: services.js up [--s3] [--record FILE] | down [--only FILE] | status | ensure-tool CMD PACKAGE [PACKAGE...]',
    );
  }
}

if (require.main === module) {
  main().catch((error) => fail(error instanceof Error ? error.message : String(error)));
}

module.exports = { ferretdbPath };
