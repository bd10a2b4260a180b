// An S3-protocol server for development and tests, without Docker: SeaweedFS (`weed mini`,
// Apache-2.0), built once from the Go module proxy and cached in GOPATH/bin like FerretDB.
//
// SeaweedFS's go.mod has a `replace` line, so `go install …@version` refuses it; a small wrapper
// module of our own requires it (repeating the replace) and builds its `weed` command
// (about 6.5 minutes on 2 cores the first time, a 230 MB binary).
//
// Used by scripts/services.js (the dev/test server on loopback) and by tests that need a server
// of their own on another address (test/hosts: the multi-host test).
'use strict';

const { execFileSync, spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const WEED_MODULE = 'github.com/seaweedfs/seaweedfs';
const WEED_VERSION = 'v0.0.0-20261109003541-7506e5f91cd6';
const WEED_BUILD = 'weed-20261109-click1';
/** Seen in `weed version` of that build. */
const WEED_RELEASE = '4.53';

function goBinary() {
  const found = spawnSync('sh', ['-c', 'command -v go'], { encoding: 'utf8' });
  if (found.status === 0) return found.stdout.trim();
  return fs.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined;
}

/** Where the build lives (GOPATH/bin, a name of its own), or undefined without Go. */
function weedPath(go = goBinary()) {
  if (!go) return undefined;
  const gopath = execFileSync(go, ['env', 'GOPATH'], { encoding: 'utf8' }).trim();
  return path.join(gopath, 'bin', WEED_BUILD);
}

function weedWorks(binary) {
  if (!binary || !fs.existsSync(binary)) return false;
  const out = spawnSync(binary, ['version'], { encoding: 'utf8' });
  return out.status === 0 && out.stdout.includes(WEED_RELEASE);
}

/** The cached `weed`, built first when missing. `log` gets progress lines. */
function ensureWeed(buildDir, log) {
  const go = goBinary();
  const binary = weedPath(go);
  if (weedWorks(binary)) return binary;
  if (!go) throw new Error('no S3 server: Go (to build SeaweedFS) is not available');
  log(`building SeaweedFS ${WEED_VERSION} once (about 6.5 minutes on 2 cores) into ${binary}`);
  const started = Date.now();
  fs.rmSync(buildDir, { recursive: true, force: true });
  fs.mkdirSync(buildDir, { recursive: true });
  fs.writeFileSync(
    path.join(buildDir, 'go.mod'),
    [
      'module click-api/weed-build',
      '',
      'go 1.24',
      '',
      `require ${WEED_MODULE} ${WEED_VERSION}`,
      '',
      '// As in SeaweedFS own go.mod: go-bip39 moved.',
      'replace github.com/tyler-smith/go-bip39 => github.com/cosmos/go-bip39 v1.0.0',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(
    path.join(buildDir, 'tools.go'),
    `//go:build tools\n\npackage tools\n\nimport _ "${WEED_MODULE}/weed"\n`,
  );
  const env = { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false' };
  const run = (...args) => execFileSync(go, args, { cwd: buildDir, stdio: 'inherit', env });
  run('mod', 'tidy');
  fs.mkdirSync(path.dirname(binary), { recursive: true });
  run('build', '-trimpath', '-o', binary, `${WEED_MODULE}/weed`);
  fs.rmSync(buildDir, { recursive: true, force: true });
  if (!weedWorks(binary)) throw new Error(`the SeaweedFS build at ${binary} does not run`);
  log(`built SeaweedFS in ${Math.round((Date.now() - started) / 1000)} s`);
  return binary;
}

/**
 * `weed mini`'s arguments: S3 on `port`, its other servers on the next four ports (and gRPC on
 * each + 10000), every extra front end off, all bound to `ip` only — two servers with different
 * ports never collide.
 */
function weedArgs({ ip, port, dir }) {
  return [
    'mini',
    `-dir=${dir}`,
    `-ip=${ip}`,
    `-ip.bind=${ip}`,
    `-s3.port=${port}`,
    `-master.port=${port + 1}`,
    `-volume.port=${port + 2}`,
    `-filer.port=${port + 3}`,
    `-admin.port=${port + 4}`,
    '-admin.port.legacy=0',
    '-admin.ui=false',
    '-webdav=false',
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
  ];
}

/** The dev server's credentials: made once per checkout (random), kept in .data. */
function devCredentials(file) {
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8'));
  const credentials = {
    accessKeyId: `click${crypto.randomBytes(6).toString('hex')}`,
    secretAccessKey: crypto.randomBytes(24).toString('base64url'),
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(credentials), { mode: 0o600 });
  return credentials;
}

/** Starts `weed mini` detached; the credentials it accepts come through its environment. */
function startWeed(binary, { ip, port, dir, credentials, logFile }) {
  fs.mkdirSync(dir, { recursive: true });
  const out = fs.openSync(logFile, 'a');
  const child = spawn(binary, weedArgs({ ip, port, dir }), {
    detached: true,
    stdio: ['ignore', out, out],
    cwd: dir,
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    },
  });
  child.unref();
  return child.pid;
}

/** True when an S3 server answers at `endpoint` (anonymous requests get 403: that counts). */
function s3Answers(endpoint) {
  return new Promise((resolve) => {
    const request = http.get(`${endpoint}/`, { timeout: 1500 }, (response) => {
      response.resume();
      resolve(response.statusCode === 403 || response.statusCode === 200);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

/**
 * True once the server answers a signed request (ListBuckets): the S3 port opens a moment before
 * the servers behind it are ready. Needs the AWS SDK from node_modules (after `npm ci`).
 */
async function s3Ready(endpoint, credentials) {
  if (!(await s3Answers(endpoint))) return false;
  // The SDK's notice about future Node versions is for the app's operators, not this probe.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const root = path.resolve(__dirname, '..');
  const sdk = require(require.resolve('@aws-sdk/client-s3', { paths: [root] }));
  const client = new sdk.S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials,
    maxAttempts: 1,
  });
  try {
    await client.send(new sdk.ListBucketsCommand({}));
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

module.exports = {
  devCredentials,
  ensureWeed,
  s3Answers,
  s3Ready,
  startWeed,
  weedArgs,
  weedPath,
};
