import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8' });
}

/** A /24 in 10.0.0.0/8 that no route of this machine covers yet. */
function freeSubnet(): string {
  const routes = ip('-4', 'route', 'show', 'table', 'all');
  for (;;) {
    const subnet = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 250)}`;
    if (!routes.includes(`${subnet}.`)) return subnet;
  }
}

/**
 * Several "machines" on this one: each a network namespace with its own interface, joined to a
 * bridge in the root namespace, which holds `services` — the address servers bind to. A host
 * reaches the services, the other hosts and nothing else (its own loopback aside); the test (in
 * the root namespace) reaches every host. Cutting a host's link is that machine dropping off the
 * network. Only addresses made here are ever used; `destroy` removes every namespace and link.
 */
export class NetHosts {
  private readonly id = randomBytes(2).toString('hex');
  private readonly subnet = freeSubnet();
  private readonly hosts = new Map<string, { ns: string; link: string; address: string }>();
  readonly services: string;
  private readonly bridge: string;

  private constructor() {
    this.services = `${this.subnet}.1`;
    this.bridge = `ckb${this.id}`;
  }

  static create(names: string[]): NetHosts {
    if (process.getuid?.() !== 0) throw new Error('network namespaces need root');
    const net = new NetHosts();
    try {
      ip('link', 'add', net.bridge, 'type', 'bridge');
      ip('addr', 'add', `${net.services}/24`, 'dev', net.bridge);
      ip('link', 'set', net.bridge, 'up');
      names.forEach((name, i) => net.addHost(name, i));
    } catch (error) {
      net.destroy();
      throw error;
    }
    return net;
  }

  private addHost(name: string, index: number): void {
    const ns = `ck${this.id}-${name}`;
    const link = `ck${this.id}h${index}`;
    const address = `${this.subnet}.${index + 2}`;
    ip('netns', 'add', ns);
    this.hosts.set(name, { ns, link, address });
    ip('link', 'add', link, 'type', 'veth', 'peer', 'name', `${link}p`);
    ip('link', 'set', `${link}p`, 'netns', ns);
    ip('link', 'set', link, 'master', this.bridge);
    ip('link', 'set', link, 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', ns, 'link', 'set', `${link}p`, 'name', 'eth0');
    ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
    ip('-n', ns, 'link', 'set', 'eth0', 'up');
  }

  private host(name: string) {
    const host = this.hosts.get(name);
    if (!host) throw new Error(`no host ${name}`);
    return host;
  }

  address(name: string): string {
    return this.host(name).address;
  }

  /** The command prefix that runs a program on host `name`. */
  on(name: string): string[] {
    return ['ip', 'netns', 'exec', this.host(name).ns];
  }

  /** The host's network cable pulled out (its processes keep running), or put back. */
  cut(name: string): void {
    ip('link', 'set', this.host(name).link, 'down');
  }

  restore(name: string): void {
    ip('link', 'set', this.host(name).link, 'up');
  }

  /** Names of the programs running on host `name` (their /proc/<pid>/comm). */
  programs(name: string): string[] {
    const pids = spawnSync('ip', ['netns', 'pids', this.host(name).ns], { encoding: 'utf8' });
    return (pids.stdout ?? '')
      .split('\n')
      .filter(Boolean)
      .map((pid) => {
        try {
          return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
        } catch {
          return '';
        }
      });
  }

  destroy(): void {
    for (const { ns } of this.hosts.values()) {
      // Whatever still runs there goes with it.
      spawnSync('sh', ['-c', `ip netns pids ${ns} | xargs -r kill -9`]);
      spawnSync('ip', ['netns', 'del', ns]);
    }
    spawnSync('ip', ['link', 'del', this.bridge]);
  }
}
