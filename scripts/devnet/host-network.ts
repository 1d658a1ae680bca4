// Host mode (`npm run devnet -- up --hosts`): the devnet as separate machines on one LAN. The supervisor
// builds the network (netns.ts) and runs, per node:
//
//   root namespace                     node i's namespace (198.18.X.(10+i) on eth0, cabled to the switch)
//   ─────────────────                  ──────────────────────────────────────────────────────────────────
//   127.0.0.1:API  ── forwarder ──►    DIR/nodeI/api.sock ── host agent ──► node's API on 127.0.0.1:API
//                                      ADDR:P2P ── host agent (shaping relay) ──► node's P2P on 127.0.0.1:P2P
//
// The node is an unchanged `cairn start`, told `--p2p-host 127.0.0.1 --announce ADDR:P2P`: it listens on
// its namespace's loopback only and tells its peers to dial the relay in front of it. So every P2P
// connection between two nodes crosses the devnet's bridge (real interfaces, the kernel's TCP) and
// exactly one relay, the listener's, which knows the dialler by its source address and shapes the bytes
// as that link says (link-shape.ts; `npm run devnet -- link 0-1 --delay 200ms`). The API stays
// loopback-only inside the namespace; the forwarder puts it on 127.0.0.1:API of the root namespace, so
// `status`, `load`, the wallet, `cairn status` and the dashboard aggregator work as on the loopback
// devnet. `partition` moves bridge ports (netns.ts), so the groups share no link at all.
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { createWriteStream, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { waitUntil } from '../lib/devnet-process.js';
import { type HostAgentConfig, type LinksFile, linksToJson } from './host-agent.js';
import type { LinkShape } from './link-shape.js';
import {
  createHosts,
  destroyHosts,
  type HostPlan,
  healHosts,
  partitionHosts,
  planHosts,
  spawnInHost,
} from './netns.js';
import type { DevnetNetwork, Unreachable } from './partition.js';
import { ShapingRelay } from './shaping-relay.js';
import { DEVNET_DIR, type DevnetState, datadirOf, type HostsSpec, type NodeSpec, ROOT } from './state.js';

/** The namespaces `cairn-hub`, `cairn-n0` … and the subnet 198.18.64.0/24, unless the environment says. */
export const DEFAULT_HOSTS: HostsSpec = { prefix: 'cairn', subnet: 64 };

/**
 * CAIRN_DEVNET_HOSTS=PREFIX:SUBNET (e.g. `e2e1234:120`) gives a test's devnet namespaces and a subnet of
 * its own, beside a developer's devnet.
 */
export function hostsSpecFromEnv(env: NodeJS.ProcessEnv = process.env): HostsSpec {
  const text = env.CAIRN_DEVNET_HOSTS;
  if (!text) return DEFAULT_HOSTS;
  const m = /^([a-z][a-z0-9]{0,7}):(\d{1,3})$/.exec(text);
  if (!m || Number(m[2]) > 255)
    throw new Error(`CAIRN_DEVNET_HOSTS=${text}: write PREFIX:SUBNET, e.g. e2e1:120`);
  return { prefix: m[1]!, subnet: Number(m[2]) };
}

export const planOf = (state: Pick<DevnetState, 'nodes'> & { hosts: HostsSpec }): HostPlan =>
  planHosts(state.nodes.length, state.hosts);

/** The nodes with their LAN addresses. */
export function withAddresses(nodes: readonly NodeSpec[], hosts: HostsSpec): NodeSpec[] {
  const plan = planHosts(nodes.length, hosts);
  return nodes.map((n) => ({ ...n, address: plan.nodes[n.index]!.address }));
}

/** A link between two nodes, by index, lower first. */
export type LinkPair = readonly [number, number];

/** One row of `GET /devnet/state`'s links: who, and how shaped. */
export interface LinkRow {
  readonly a: number;
  readonly b: number;
  readonly shape: LinkShape;
}

/** How long a host agent may take to listen (a loaded machine starts processes slowly). */
const AGENT_READY_MS = 180_000;
/**
 * How long `link` waits for every agent to apply the new links (they poll the file every 100 ms): less
 * than the CLI waits for `link`'s answer (30 s), so a stuck agent is named rather than a timeout.
 */
const LINKS_APPLIED_MS = 20_000;

export class HostNetwork implements DevnetNetwork {
  readonly partitionKind = 'link cut (bridge ports)';
  readonly plan: HostPlan;
  private readonly agents = new Map<number, ChildProcess>();
  private readonly forwarders: ShapingRelay[] = [];
  /** The shaped links, by "a-b" with a < b. Unlisted links are unshaped. */
  private readonly shapes = new Map<string, LinkRow>();
  /** The links files' version (each setLinks writes the next), and the one each agent says it applied. */
  private linksVersion = 0;
  private readonly appliedVersion = new Map<number, number>();

  constructor(
    readonly state: DevnetState & { hosts: HostsSpec },
    readonly dir = DEVNET_DIR,
  ) {
    this.plan = planOf(state);
  }

  private host(node: NodeSpec) {
    return this.plan.nodes[node.index]!;
  }

  /** Builds the namespaces and the bridge, then starts each node's host agent and API forwarder. */
  async create(): Promise<void> {
    await createHosts(this.plan);
    for (const node of this.state.nodes) writeFileSync(this.linksFile(node), linksToJson({}));
    // The agent is bundled into one plain JavaScript file first (esbuild, milliseconds), so each of the
    // N agents starts as a bare `node` process: through tsx, twenty of them starting at once on a busy
    // two-core machine took minutes and tens of megabytes each.
    await build({
      entryPoints: [join(ROOT, 'scripts/devnet/host-agent.ts')],
      outfile: this.agentBundle,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'error',
    });
    await Promise.all(this.state.nodes.map((n) => this.startAgent(n)));
    for (const node of this.state.nodes) {
      const forwarder = new ShapingRelay({
        listen: { host: '127.0.0.1', port: node.apiPort },
        target: { path: this.apiSocket(node) },
      });
      await forwarder.start();
      this.forwarders.push(forwarder);
    }
  }

  private get agentBundle(): string {
    return join(this.dir, 'host-agent.mjs');
  }

  private linksFile = (node: NodeSpec) => join(datadirOf(node, this.dir), 'links.json');
  private apiSocket = (node: NodeSpec) => join(datadirOf(node, this.dir), 'api.sock');

  private async startAgent(node: NodeSpec): Promise<void> {
    const dir = datadirOf(node, this.dir);
    const config: HostAgentConfig = {
      p2pListen: { host: this.host(node).address, port: node.p2pPort },
      p2pTarget: { host: '127.0.0.1', port: node.p2pPort },
      apiSocket: this.apiSocket(node),
      apiTarget: { host: '127.0.0.1', port: node.apiPort },
      linksFile: this.linksFile(node),
    };
    const configFile = join(dir, 'agent.json');
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    const agent = spawnInHost(this.host(node), process.execPath, [this.agentBundle, configFile], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.agents.set(node.index, agent);
    agent.stderr!.pipe(createWriteStream(join(dir, 'agent.log'), { flags: 'a' }));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${node.name}'s host agent was not ready within ${AGENT_READY_MS / 1000} s`)),
        AGENT_READY_MS,
      );
      agent.stdout!.once('data', () => {
        clearTimeout(timer);
        resolve();
      });
      // After "ready", one line "links VERSION" each time the agent applies a rewritten links file.
      createInterface({ input: agent.stdout! }).on('line', (line) => {
        const m = /^links (\d+)$/.exec(line);
        if (m) this.appliedVersion.set(node.index, Number(m[1]));
      });
      agent.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${node.name}'s host agent exited (${code}); see ${join(dir, 'agent.log')}`));
      });
    });
  }

  /** What `cairn start` gets in host mode on top of the usual flags. */
  nodeArgs(node: NodeSpec): string[] {
    return ['--p2p-host', '127.0.0.1', '--announce', `${this.host(node).address}:${node.p2pPort}`];
  }

  /** The address peers dial to reach `node` (its relay), without a peer id: known before it starts. */
  dialAddr(node: NodeSpec): string {
    return `/ip4/${this.host(node).address}/tcp/${node.p2pPort}`;
  }

  /** Starts a program in the node's namespace (the supervisor's `cairn start`). */
  launch(node: NodeSpec, command: string, args: readonly string[], opts: SpawnOptions): ChildProcess {
    return spawnInHost(this.host(node), command, args, opts);
  }

  /** Cuts the LAN into the groups: each group on a bridge of its own. Every node takes it. */
  async partition(groups: readonly (readonly NodeSpec[])[]): Promise<Unreachable[]> {
    await partitionHosts(
      this.plan,
      groups.map((g) => g.map((n) => n.index)),
    );
    return [];
  }

  async heal(): Promise<Unreachable[]> {
    await healHosts(this.plan);
    return [];
  }

  /**
   * Shapes (or, with `shape` undefined, unshapes) each link, and resolves once every host agent has
   * applied the new links (they poll their files every 100 ms), so what is sent next crosses them.
   */
  async setLinks(pairs: readonly LinkPair[], shape: LinkShape | undefined): Promise<void> {
    for (const [x, y] of pairs) {
      const [a, b] = x < y ? [x, y] : [y, x];
      if (shape) this.shapes.set(`${a}-${b}`, { a, b, shape });
      else this.shapes.delete(`${a}-${b}`);
    }
    const version = ++this.linksVersion;
    // Each node's relay shapes connections by their source: the other end of each of its links.
    for (const node of this.state.nodes) {
      const links: Record<string, LinkShape> = {};
      for (const { a, b, shape: s } of this.shapes.values()) {
        if (a === node.index) links[this.plan.nodes[b]!.address] = s;
        if (b === node.index) links[this.plan.nodes[a]!.address] = s;
      }
      // Atomically (a new file renamed over the old): the agent may read it at any moment.
      const file = this.linksFile(node);
      writeFileSync(`${file}.tmp`, linksToJson(links as LinksFile, version));
      renameSync(`${file}.tmp`, file);
    }
    const behind = () => this.state.nodes.filter((n) => (this.appliedVersion.get(n.index) ?? 0) < version);
    await waitUntil('', () => behind().length === 0, LINKS_APPLIED_MS, 10).catch(() => {
      const names = behind().map((n) => `${n.name} (see ${join(datadirOf(n, this.dir), 'agent.log')})`);
      throw new Error(
        `the host agents of ${names.join(', ')} did not apply the links within ${LINKS_APPLIED_MS / 1000} s`,
      );
    });
  }

  links(): LinkRow[] {
    return [...this.shapes.values()].sort((p, q) => p.a - q.a || p.b - q.b);
  }

  /** Stops the agents and forwarders and removes the namespaces (killing whatever is still in them). */
  async close(): Promise<void> {
    await Promise.all(this.forwarders.splice(0).map((f) => f.stop()));
    const exits = [...this.agents.values()].map(
      (a) => new Promise((resolve) => (a.exitCode !== null ? resolve(0) : a.once('exit', resolve))),
    );
    for (const a of this.agents.values()) a.kill('SIGTERM');
    await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 5_000))]);
    this.agents.clear();
    await destroyHosts(this.plan);
  }
}

/** Removes what a crashed host-mode devnet left behind (its namespaces, their processes, the route). */
export async function cleanLeftovers(hosts: HostsSpec, count: number): Promise<number> {
  return destroyHosts(planHosts(Math.max(1, count), hosts));
}
