#!/usr/bin/env node
// A Redis Cluster of 6 nodes (3 masters + 3 replicas) on loopback ports, from Debian's
// redis-server and redis-cli, without Docker: the `cluster` jest project runs on one (7100, started
// by scripts/test.sh), the failover test starts and kills one of its own (7400).
//
//   node scripts/redis-cluster.js up [BASE_PORT]     nodes on BASE_PORT..BASE_PORT+5 (7100), cluster
//                                                   buses on each + 10000; waits for cluster_state:ok
//   node scripts/redis-cluster.js down [BASE_PORT]   stops those nodes and removes their data
//   node scripts/redis-cluster.js status [BASE_PORT]
'use strict';

const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const NODES = 6;

function dirOf(base) {
  return path.join(ROOT, '.data', `redis-cluster-${base}`);
}

function cli(port, ...args) {
  const out = spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' });
  return out.status === 0 ? out.stdout : undefined;
}

/**
 * Slots all served and every replica in sync with its master (a replica that never finished its
 * first sync refuses to take over: "Disconnected from master for longer than allowed").
 */
function clusterOk(base, dead) {
  const ask = dead === base ? base + 1 : base;
  if (!(cli(ask, 'cluster', 'info') ?? '').includes('cluster_state:ok')) return false;
  const replicas = (cli(ask, 'cluster', 'nodes') ?? '')
    .split('\n')
    .filter((line) => / (myself,)?slave /.test(line) && !/fail/.test(line))
    .map((line) => Number(line.split(' ')[1].split(':')[1].split('@')[0]));
  // After a failover the dead master's replica became a master: one replica fewer.
  if (replicas.length !== NODES / 2 - (dead === undefined ? 0 : 1)) return false;
  return replicas.every((port) =>
    (cli(port, 'info', 'replication') ?? '').includes('master_link_status:up'),
  );
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function up(base) {
  if (clusterOk(base)) return console.log(`redis-cluster: already up on ${base}..${base + 5}`);
  const dir = dirOf(base);
  const ports = Array.from({ length: NODES }, (_, i) => base + i);
  for (const port of ports) {
    const nodeDir = path.join(dir, String(port));
    fs.mkdirSync(nodeDir, { recursive: true });
    execFileSync('redis-server', [
      ...['--port', String(port), '--bind', '127.0.0.1', '--daemonize', 'yes'],
      ...['--dir', nodeDir, '--pidfile', path.join(nodeDir, 'redis.pid')],
      ...['--logfile', path.join(nodeDir, 'redis.log')],
      ...['--cluster-enabled', 'yes', '--cluster-config-file', path.join(nodeDir, 'nodes.conf')],
      ...['--cluster-node-timeout', '3000', '--appendonly', 'yes', '--save', ''],
      ...['--maxmemory-policy', 'noeviction'],
    ]);
  }
  for (const port of ports) {
    for (let i = 0; i < 80 && cli(port, 'ping') === undefined; i++) sleep(100);
  }
  execFileSync(
    'redis-cli',
    [
      '--cluster',
      'create',
      ...ports.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas',
      '1',
      '--cluster-yes',
    ],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 200 && !clusterOk(base); i++) sleep(100);
  if (!clusterOk(base)) throw new Error(`the cluster on ${base} did not reach cluster_state:ok`);
  console.log(`redis-cluster: up on 127.0.0.1:${base}..${base + 5} (data in ${dir})`);
}

function down(base) {
  const dir = dirOf(base);
  for (let i = 0; i < NODES; i++) cli(base + i, 'shutdown', 'nosave');
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(`redis-cluster: down on ${base}..${base + 5}`);
}

/** The port of the live master serving `key`'s slot (asked of any node that answers). */
function masterOf(base, key) {
  for (let port = base; port < base + NODES; port++) {
    const slot = Number(cli(port, 'cluster', 'keyslot', key));
    const nodes = cli(port, 'cluster', 'nodes');
    if (!nodes || !Number.isInteger(slot)) continue;
    for (const line of nodes.split('\n')) {
      const [, address, flags, , , , , , ...ranges] = line.split(' ');
      if (!flags || !/master/.test(flags) || /fail/.test(flags)) continue;
      const served = ranges.some((range) => {
        const [from, to = from] = range.split('-').map(Number);
        return slot >= from && slot <= to;
      });
      if (served) return Number(address.split(':')[1].split('@')[0]);
    }
  }
  throw new Error(`no live master serves ${key} on the cluster at ${base}`);
}

/** kill -9 of the node on `port` (no SHUTDOWN: what it had not replicated is gone). */
function kill(base, port) {
  const pid = Number(fs.readFileSync(path.join(dirOf(base), String(port), 'redis.pid'), 'utf8'));
  process.kill(pid, 'SIGKILL');
}

/** After kill(): the others marked `port` failed and every slot is served again (one poll). */
function tookOver(base, port) {
  for (let other = base; other < base + NODES; other++) {
    if (other === port) continue;
    const nodes = cli(other, 'cluster', 'nodes');
    if (!nodes) continue;
    const line = nodes.split('\n').find((l) => l.includes(`:${port}@`)) ?? '';
    return / master,fail /.test(` ${line} `) && clusterOk(base, port);
  }
  return false;
}

if (require.main === module) {
  const [command, port] = process.argv.slice(2);
  const base = Number(port || 7100);
  if (command === 'up') up(base);
  else if (command === 'down') down(base);
  else if (command === 'status') console.log(clusterOk(base) ? 'ok' : 'down');
  else {
    console.error('usage: redis-cluster.js up|down|status [BASE_PORT]');
    process.exit(2);
  }
}

module.exports = { up, down, clusterOk, masterOf, kill, tookOver };
