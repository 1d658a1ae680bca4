// The supervisor: owns the devnet's `cairn start` processes. It spawns a node (telling it a few peers),
// waits for its node.json, stops it cleanly (SIGTERM) or kills it (SIGKILL), and stops them all on
// shutdown. Each node runs in a process group of its own, logs to its datadir's node.log, and is reported
// when it exits without being asked to.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { encodeAddress } from '../../src/consensus/address.js';
import { DEV_KEY_COUNT, devKeys } from '../../wallet/dev-keys.js';
import type { HostNetwork } from './host-network.js';
import { sleep } from './http.js';
import {
  DEVNET_DIR,
  type DevnetState,
  datadirOf,
  devnetParams,
  type NodeInfo,
  type NodeSpec,
  ROOT,
  readNodeInfo,
  writeState,
} from './state.js';

export interface SupervisorEvents {
  /** A node wrote its node.json: it listens and has peers to dial. */
  started: [node: NodeSpec, info: NodeInfo];
  /** A node's process ended; `expected` when stop/kill/shutdown asked for it. */
  exited: [node: NodeSpec, how: number | string, expected: boolean];
}

export class Supervisor extends EventEmitter<SupervisorEvents> {
  private readonly children = new Map<string, ChildProcess>();
  private readonly stopping = new Set<string>();
  private shuttingDown = false;

  constructor(
    readonly state: DevnetState,
    readonly dir = DEVNET_DIR,
    /** Host mode: each node starts in its own network namespace (host-network.ts). */
    readonly hosts?: HostNetwork,
  ) {
    super();
  }

  private args(node: NodeSpec): string[] {
    const { state } = this;
    const args = [
      '--import',
      'tsx',
      join(ROOT, 'src/cli/main.ts'),
      'start',
      '--datadir',
      datadirOf(node, this.dir),
      '--api-port',
      String(node.apiPort),
      '--p2p-port',
      String(node.p2pPort),
    ];
    if (state.genesis) args.push('--genesis', state.genesis);
    if (state.regtest) args.push('--regtest');
    if (this.hosts) args.push(...this.hosts.nodeArgs(node));
    // A miner with a share of the hash power mines on the supervisor's lottery (POST /mine), with --threads.
    if (state.shares?.some((s) => s.node === node.index)) args.push('--threads', String(state.threads));
    if (node.miner) {
      const prefix = devnetParams(state).addressPrefix;
      const address = encodeAddress(devKeys()[node.index % DEV_KEY_COUNT]!.addressHash, prefix);
      args.push('--mine', '--miner', address, '--threads', String(state.threads));
    }
    // Each node is told about the nodes before it (up to two) and, when restarted, about every running node:
    // never a single hub, and peer exchange fills in the rest. In host mode a node's address is known before
    // it starts, so the nodes start at once and dial each other by address until the peer answers.
    const others = state.nodes.filter((n) => n !== node);
    const known = others
      .filter((n) => n.index < node.index || this.children.has(n.name))
      .slice(-2)
      .concat(others.filter((n) => this.children.has(n.name)));
    const seen = new Set<string>();
    for (const peer of known) {
      const info = readNodeInfo(peer, this.dir);
      const addr =
        info?.multiaddrs.find((a) => a.includes('/ip4/127.0.0.1/')) ??
        info?.multiaddrs[0] ??
        this.hosts?.dialAddr(peer);
      if (addr && !seen.has(addr)) {
        seen.add(addr);
        args.push('--peer', addr);
      }
    }
    return args;
  }

  async startNode(node: NodeSpec): Promise<NodeInfo> {
    if (this.children.has(node.name)) throw new Error(`${node.name} is already running`);
    const dir = datadirOf(node, this.dir);
    mkdirSync(dir, { recursive: true });
    rmSync(join(dir, 'node.json'), { force: true });
    const log = createWriteStream(join(dir, 'node.log'), { flags: 'a' });
    // detached: each node in its own process group, so a Ctrl-C in the terminal reaches only the
    // supervisor, which stops the nodes one signal each. A node that got the terminal's SIGINT as well as
    // our SIGTERM would take the second signal as "exit now" and skip its clean shutdown.
    const opts = { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true } satisfies SpawnOptions;
    const child = this.hosts
      ? this.hosts.launch(node, process.execPath, this.args(node), opts)
      : spawn(process.execPath, this.args(node), opts);
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    this.children.set(node.name, child);
    child.on('exit', (code, signal) => {
      this.children.delete(node.name);
      const expected = this.stopping.delete(node.name) || this.shuttingDown;
      if (!expected)
        console.log(`!! ${node.name} exited (${signal ?? `code ${code}`}); see ${join(dir, 'node.log')}`);
      this.emit('exited', node, code ?? signal ?? 'unknown', expected);
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      const info = readNodeInfo(node, this.dir);
      if (info) {
        this.emit('started', node, info);
        return info;
      }
      if (!this.children.has(node.name))
        throw new Error(`${node.name} failed to start; see ${join(dir, 'node.log')}`);
      if (Date.now() > deadline) throw new Error(`${node.name} did not become ready within 60 s`);
      await sleep(100);
    }
  }

  /** Resolves with how the node ended: 0 after a clean stop, else its exit code or signal. */
  async stopNode(node: NodeSpec, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | string> {
    const child = this.children.get(node.name);
    if (!child) throw new Error(`${node.name} is not running`);
    this.stopping.add(node.name);
    const exited = new Promise<number | string>((r) =>
      child.once('exit', (code, sig) => r(code ?? sig ?? 'unknown')),
    );
    // A node still loading its code has no signal handler yet, and SIGTERM would kill it outright: let it
    // come up (node.json written) before asking it to stop cleanly.
    if (signal === 'SIGTERM') {
      const deadline = Date.now() + 60_000;
      while (!readNodeInfo(node, this.dir) && this.children.get(node.name) === child && Date.now() < deadline)
        await sleep(100);
    }
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const how = await exited;
    clearTimeout(timer);
    return how;
  }

  isRunning(node: NodeSpec): boolean {
    return this.children.has(node.name);
  }

  /**
   * Stops every node; resolves false if any of them did not stop cleanly (and says which). `resumable`:
   * the chain is `npm start`'s, which resumes it (an attack scenario's run directory is wiped next time).
   */
  async shutdown(resumable = true): Promise<boolean> {
    this.shuttingDown = true;
    console.log('\nstopping every node …');
    const running = this.state.nodes.filter((n) => this.isRunning(n));
    const ends = await Promise.all(running.map((n) => this.stopNode(n).catch((e: Error) => e.message)));
    this.state.supervisorPid = null;
    await writeState(this.state, this.dir);
    const unclean = running.filter((_, i) => ends[i] !== 0);
    for (const n of unclean) {
      console.log(`!! ${n.name} did not stop cleanly (${ends[running.indexOf(n)]}); see its node.log`);
    }
    if (unclean.length > 0) return false;
    console.log(
      resumable
        ? 'all nodes stopped cleanly; `npm start` resumes this chain (`-- --fresh` starts over)'
        : 'all nodes stopped cleanly',
    );
    return true;
  }
}
