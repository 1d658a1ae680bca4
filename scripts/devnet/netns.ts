// Separate hosts on one machine: each devnet node in its own Linux network namespace, with its own
// address on a bridge, talking over real interfaces exactly as separate machines on one LAN would.
//
//   namespace <prefix>-hub        holds the bridge br0 (and br1, br2 … while partitioned): the "switch"
//   namespace <prefix>-n<i>       node i: loopback + eth0 (198.18.<subnet>.<10 + i>/24)
//   veth pair  h<i> (hub) ↔ eth0 (node i)   the node's "cable", plugged into a bridge port
//
// The addresses come from 198.18.0.0/15, the range RFC 2544 reserves for benchmarking test networks: no
// real host has them. They exist only inside these namespaces; the root namespace gets an `unreachable`
// route for the subnet while the devnet runs, so a stray packet from outside the namespaces fails at
// once instead of leaving the machine.
//
// `partition` moves the ports of each group to a bridge of its own (the groups can no longer reach each
// other: a cut at the link layer, not an application block list); `setCable` takes a node's cable down.
// Everything needs root (CAP_NET_ADMIN); `checkHostSupport` says so in one line when it is missing.
import { type ChildProcess, execFile, type SpawnOptions, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface HostNode {
  readonly index: number;
  /** The node's namespace. */
  readonly ns: string;
  /** Its address on the devnet LAN. */
  readonly address: string;
  /** Its veth end in the hub namespace (the bridge port). */
  readonly port: string;
}

export interface HostPlan {
  readonly prefix: string;
  readonly hub: string;
  /** The third octet of 198.18.X.0/24. */
  readonly subnet: number;
  readonly cidr: string;
  readonly nodes: readonly HostNode[];
}

/** Namespace and interface names are short (IFNAMSIZ is 16) and start with the prefix. */
export function planHosts(count: number, opts: { prefix?: string; subnet?: number } = {}): HostPlan {
  const prefix = opts.prefix ?? 'cairn';
  const subnet = opts.subnet ?? 64;
  if (!/^[a-z][a-z0-9]{0,7}$/.test(prefix)) {
    throw new Error(`namespace prefix ${JSON.stringify(prefix)}: use 1–8 lowercase letters or digits`);
  }
  if (!Number.isInteger(subnet) || subnet < 0 || subnet > 255) throw new Error('subnet must be 0..255');
  if (!Number.isInteger(count) || count < 1 || count > 200) throw new Error('between 1 and 200 hosts');
  return {
    prefix,
    hub: `${prefix}-hub`,
    subnet,
    cidr: `198.18.${subnet}.0/24`,
    nodes: Array.from({ length: count }, (_, index) => ({
      index,
      ns: `${prefix}-n${index}`,
      address: `198.18.${subnet}.${10 + index}`,
      port: `h${index}`,
    })),
  };
}

async function ip(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('ip', args, { timeout: 10_000 });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`ip ${args.join(' ')}: ${(err.stderr ?? err.message).trim()}`);
  }
}

/** Why host mode cannot run here, or undefined when it can (root and a working `ip netns`). */
export async function checkHostSupport(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'host mode needs Linux network namespaces';
  if (process.getuid?.() !== 0) {
    return 'host mode needs root (it creates network namespaces); run the loopback devnet without --hosts';
  }
  const probe = `cairnprobe${process.pid % 100000}`;
  try {
    await ip('netns', 'add', probe);
    await ip('netns', 'del', probe);
    return undefined;
  } catch (e) {
    return `cannot create network namespaces here (${(e as Error).message}); use the loopback devnet`;
  }
}

/** The namespaces that exist now, by name. */
export async function listNamespaces(): Promise<string[]> {
  const out = await ip('netns', 'list');
  return out
    .split('\n')
    .map((line) => line.split(' ')[0]!.trim())
    .filter(Boolean);
}

/** The pids of the processes inside a namespace (`ip netns pids`). */
export async function namespacePids(ns: string): Promise<number[]> {
  const out = await ip('netns', 'pids', ns).catch(() => '');
  return out
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

/**
 * Removes every namespace of this prefix and the root namespace's guard route: after a supervisor
 * crash, the next `up` starts clean. The processes still inside them (nodes and host agents a crashed
 * supervisor left behind) are killed first: a namespace lives on, unnamed, while a process is in it.
 * Deleting a namespace deletes its veth ends and bridges with it. Returns how many namespaces it removed.
 */
export async function destroyHosts(plan: Pick<HostPlan, 'prefix' | 'cidr'>): Promise<number> {
  const mine = (await listNamespaces()).filter(
    (ns) => ns === `${plan.prefix}-hub` || ns.startsWith(`${plan.prefix}-n`),
  );
  for (const ns of mine) {
    for (const pid of await namespacePids(ns)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  for (const ns of mine) await ip('netns', 'del', ns).catch(() => {});
  await ip('route', 'del', 'unreachable', plan.cidr).catch(() => {});
  return mine.length;
}

/** The bridges of the switch: br0 holds everyone; a partition into k groups uses br0 … br(k−1). */
const bridge = (group: number) => `br${group}`;

async function addBridge(plan: HostPlan, name: string): Promise<void> {
  await ip('-n', plan.hub, 'link', 'add', name, 'type', 'bridge');
  // No IGMP snooping: with no multicast router on this LAN, mDNS queries must simply reach every port.
  await ip('-n', plan.hub, 'link', 'set', name, 'type', 'bridge', 'mcast_snooping', '0');
  await ip('-n', plan.hub, 'link', 'set', name, 'up');
}

/**
 * Builds the hub, the bridge and one namespace per node, each cabled to the bridge. Each node also gets
 * a route for multicast (224.0.0.0/4) on its eth0, so mDNS (224.0.0.251) goes out on the devnet LAN: the
 * namespace has no default route, and without one a multicast send fails with "network unreachable".
 */
export async function createHosts(plan: HostPlan): Promise<void> {
  await destroyHosts(plan);
  // The guard: nothing in the root namespace can send to the devnet subnet by mistake.
  await ip('route', 'replace', 'unreachable', plan.cidr);
  await ip('netns', 'add', plan.hub);
  await ip('-n', plan.hub, 'link', 'set', 'lo', 'up');
  await addBridge(plan, bridge(0));
  for (const node of plan.nodes) {
    await ip('netns', 'add', node.ns);
    await ip('-n', node.ns, 'link', 'set', 'lo', 'up');
    // Both ends are made in the hub, then one moves into the node's namespace as its eth0.
    await ip(
      '-n',
      plan.hub,
      'link',
      'add',
      node.port,
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      node.ns,
    );
    await ip('-n', plan.hub, 'link', 'set', node.port, 'master', bridge(0));
    await ip('-n', plan.hub, 'link', 'set', node.port, 'up');
    await ip('-n', node.ns, 'addr', 'add', `${node.address}/24`, 'dev', 'eth0');
    await ip('-n', node.ns, 'link', 'set', 'eth0', 'up');
    await ip('-n', node.ns, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0');
  }
}

/**
 * Splits the LAN: the nodes of group g move to bridge g (the nodes in no group stay on the first).
 * Nodes on different bridges share no link at all, so every connection between the groups stalls, as
 * across a real network split: no reset, no error, the packets are simply not delivered.
 */
export async function partitionHosts(plan: HostPlan, groups: readonly (readonly number[])[]): Promise<void> {
  const existing = await ip('-n', plan.hub, '-o', 'link', 'show', 'type', 'bridge');
  for (let g = 0; g < groups.length; g++) {
    if (!new RegExp(`^\\d+: ${bridge(g)}[:@]`, 'm').test(existing)) await addBridge(plan, bridge(g));
  }
  for (const node of plan.nodes) {
    const g = groups.findIndex((group) => group.includes(node.index));
    await ip('-n', plan.hub, 'link', 'set', node.port, 'master', bridge(Math.max(0, g)));
  }
}

/** Every port back on the first bridge, every cable up. */
export async function healHosts(plan: HostPlan): Promise<void> {
  for (const node of plan.nodes) {
    await ip('-n', plan.hub, 'link', 'set', node.port, 'master', bridge(0));
    await ip('-n', plan.hub, 'link', 'set', node.port, 'up');
  }
}

/** Pulls (or replugs) one node's cable at the switch. */
export async function setCable(plan: HostPlan, index: number, up: boolean): Promise<void> {
  const node = plan.nodes[index];
  if (!node) throw new Error(`no host ${index}`);
  await ip('-n', plan.hub, 'link', 'set', node.port, up ? 'up' : 'down');
}

/** Starts a program inside a node's namespace (`ip netns exec`). */
export function spawnInHost(
  node: HostNode,
  command: string,
  args: readonly string[],
  opts: SpawnOptions = {},
): ChildProcess {
  return spawn('ip', ['netns', 'exec', node.ns, command, ...args], opts);
}
