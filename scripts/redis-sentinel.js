#!/usr/bin/env node
// Redis with Sentinel on loopback ports, from Debian's redis-server (no Docker): one master, one
// replica, three sentinels watching the master as "click" (quorum 2).
//
//   node scripts/redis-sentinel.js up [BASE_PORT]     master BASE (7200), replica BASE+1,
//                                                    sentinels BASE+2..BASE+4; waits until the
//                                                    sentinels agree on the master and see the replica
//   node scripts/redis-sentinel.js down [BASE_PORT]   stops them and removes their data
//   node scripts/redis-sentinel.js status [BASE_PORT]
'use strict';

const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const MASTER_NAME = 'click';

function dirOf(base) {
  return path.join(ROOT, '.data', `redis-sentinel-${base}`);
}

function cli(port, ...args) {
  const out = spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' });
  return out.status === 0 ? out.stdout : undefined;
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Every sentinel knows a master and sees one replica and the two other sentinels, and the replica
 * finished its first sync (one that never did is not promoted).
 */
function sentinelsOk(base) {
  const replicas = (cli(base, 'info', 'replication') ?? '').match(
    /^slave\d+:ip=[^,]+,port=(\d+)/gm,
  );
  if (
    !replicas?.every((line) => {
      const port = line.split('port=')[1];
      return (cli(Number(port), 'info', 'replication') ?? '').includes('master_link_status:up');
    })
  )
    return false;
  for (let port = base + 2; port <= base + 4; port++) {
    const info = cli(port, 'sentinel', 'master', MASTER_NAME) ?? '';
    const field = (name) => info.split('\n')[info.split('\n').indexOf(name) + 1]?.trim();
    if (field('num-slaves') !== '1' || field('num-other-sentinels') !== '2') return false;
    if (!(field('flags') ?? '').startsWith('master')) return false;
  }
  return true;
}

function dataNode(base, port, dir, replicaOf) {
  const nodeDir = path.join(dir, String(port));
  fs.mkdirSync(nodeDir, { recursive: true });
  execFileSync('redis-server', [
    ...['--port', String(port), '--bind', '127.0.0.1', '--daemonize', 'yes'],
    ...['--dir', nodeDir, '--pidfile', path.join(nodeDir, 'redis.pid')],
    ...['--logfile', path.join(nodeDir, 'redis.log'), '--save', '', '--appendonly', 'yes'],
    ...['--maxmemory-policy', 'noeviction'],
    ...(replicaOf ? ['--replicaof', '127.0.0.1', String(replicaOf)] : []),
  ]);
}

function sentinel(base, port, dir) {
  const nodeDir = path.join(dir, String(port));
  fs.mkdirSync(nodeDir, { recursive: true });
  const conf = path.join(nodeDir, 'sentinel.conf');
  fs.writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      'daemonize yes',
      `dir ${nodeDir}`,
      `pidfile ${path.join(nodeDir, 'sentinel.pid')}`,
      `logfile ${path.join(nodeDir, 'sentinel.log')}`,
      `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${base} 2`,
      `sentinel down-after-milliseconds ${MASTER_NAME} 2000`,
      `sentinel failover-timeout ${MASTER_NAME} 10000`,
      `sentinel parallel-syncs ${MASTER_NAME} 1`,
      '',
    ].join('\n'),
  );
  execFileSync('redis-server', [conf, '--sentinel']);
}

function up(base) {
  if (sentinelsOk(base)) return console.log(`redis-sentinel: already up on ${base}..${base + 4}`);
  const dir = dirOf(base);
  dataNode(base, base, dir);
  dataNode(base, base + 1, dir, base);
  for (let port = base + 2; port <= base + 4; port++) sentinel(base, port, dir);
  for (let i = 0; i < 300 && !sentinelsOk(base); i++) sleep(100);
  if (!sentinelsOk(base)) throw new Error(`the sentinels on ${base + 2}.. did not agree`);
  console.log(
    `redis-sentinel: master ${MASTER_NAME} on 127.0.0.1:${base}, replica ${base + 1}, ` +
      `sentinels ${base + 2}..${base + 4} (data in ${dir})`,
  );
}

function down(base) {
  for (let port = base; port <= base + 4; port++) cli(port, 'shutdown', 'nosave');
  fs.rmSync(dirOf(base), { recursive: true, force: true });
  console.log(`redis-sentinel: down on ${base}..${base + 4}`);
}

/** The address the sentinels give for the master now, "host:port". */
function masterAddress(base) {
  const reply = cli(base + 2, 'sentinel', 'get-master-addr-by-name', MASTER_NAME) ?? '';
  return reply.trim().split('\n').join(':');
}

if (require.main === module) {
  const [command, port] = process.argv.slice(2);
  const base = Number(port || 7200);
  if (command === 'up') up(base);
  else if (command === 'down') down(base);
  else if (command === 'status')
    console.log(sentinelsOk(base) ? `ok ${masterAddress(base)}` : 'down');
  else {
    console.error('usage: redis-sentinel.js up|down|status [BASE_PORT]');
    process.exit(2);
  }
}

/** kill -9 of the data node on `port`. */
function kill(base, port) {
  const pid = Number(fs.readFileSync(path.join(dirOf(base), String(port), 'redis.pid'), 'utf8'));
  process.kill(pid, 'SIGKILL');
}

module.exports = { up, down, sentinelsOk, masterAddress, kill, MASTER_NAME };
