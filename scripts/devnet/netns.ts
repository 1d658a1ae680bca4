// Separate hosts on one machine: each devnet node in its own Linux network namespace, with its own
// address on a bridge, talking over real interfaces exactly as separate machines on one LAN would.
//
//   namespace <prefix>-hub        holds the bridges br0 (and br1 while partitioned): the "switch"
//   namespace <prefix>-n<i>       node i: loopback + eth0 (198.18.<subnet>.<10 + i>/24)
//   veth pair  h<i> (hub) ↔ eth0 (node i)   the node's "cable", plugged into a bridge port
//
// The addresses come from 198.18.0.0/15, the range RFC 2544 reserves for benchmarking test networks: no
// real host has them. They exist only inside these namespaces; the root namespace gets an `unreachable`
// route for the subnet while the devnet runs, so a stray packet from outside the namespaces fails at
// once instead of leaving the machine.
//
// `partition` moves the ports of one group to a second bridge (the groups can no longer reach each
// other: a cut at the link layer, not an application block list); `cut` takes a node's cable down.
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

/**
 * Removes every namespace of this prefix and the root namespace's guard route: after a supervisor
 * crash, the next `up` starts clean. Deleting a namespace deletes its veth ends and bridges with it.
 */
export async function destroyHosts(plan: Pick<HostPlan, 'prefix' | 'cidr'>): Promise<number> {
  let removed = 0;
  for (const ns of await listNamespaces()) {
    if (ns === `${plan.prefix}-hub` || ns.startsWith(`${plan.prefix}-n`)) {
      await ip('netns', 'del', ns).catch(() => {});
      removed += 1;
    }
  }
  await ip('route', 'del', 'unreachable', plan.cidr).catch(() => {});
  return removed;
}

/** Builds the hub, the bridge and one namespace per node, each cabled to the bridge. */
export async function createHosts(plan: HostPlan): Promise<void> {
  await destroyHosts(plan);
  // The guard: nothing in the root namespace can send to the devnet subnet by mistake.
  await ip('route', 'replace', 'unreachable', plan.cidr);
  await ip('netns', 'add', plan.hub);
  await ip('-n', plan.hub, 'link', 'set', 'lo', 'up');
  for (const br of ['br0', 'br1']) {
    await ip('-n', plan.hub, 'link', 'add', br, 'type', 'bridge');
    await ip('-n', plan.hub, 'link', 'set', br, 'up');
  }
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
    await ip('-n', plan.hub, 'link', 'set', node.port, 'master', 'br0');
    await ip('-n', plan.hub, 'link', 'set', node.port, 'up');
    await ip('-n', node.ns, 'addr', 'add', `${node.address}/24`, 'dev', 'eth0');
    await ip('-n', node.ns, 'link', 'set', 'eth0', 'up');
  }
}

/**
 * Splits the LAN: the nodes of `isolated` move to the second bridge, the rest stay on the first. Nodes
 * on different bridges share no link at all, so every connection between the groups times out or is
 * reset, as across a real network split.
 */
export async function partitionHosts(plan: HostPlan, isolated: readonly number[]): Promise<void> {
  for (const node of plan.nodes) {
    const br = isolated.includes(node.index) ? 'br1' : 'br0';
    await ip('-n', plan.hub, 'link', 'set', node.port, 'master', br);
  }
}

/** Every port back on the first bridge, every cable up. */
export async function healHosts(plan: HostPlan): Promise<void> {
  for (const node of plan.nodes) {
    await ip('-n', plan.hub, 'link', 'set', node.port, 'master', 'br0');
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
