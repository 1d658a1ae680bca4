// The devnet: several real `cairn start` processes on 127.0.0.1 that find each other, mine, and keep one
// ledger with no node in charge. `npm start` runs `up` with the defaults; the other commands act on the
// running devnet from another terminal:
//
//   npm run devnet -- up [--nodes 3] [--miners 2] [--base-port 8645] [--fresh] [--regtest]
//   npm run devnet -- status [--json] [--wait SECONDS] [--expect agree|split]
//   npm run devnet -- partition node0,node1 node2      (or by index: 0,1 2)
//   npm run devnet -- heal
//   npm run devnet -- stop N | start N | kill N
//   npm run devnet -- load --tps R --seconds S
//
// Environment: CAIRN_DEVNET_DIR (default ./.devnet) and CAIRN_DEVNET_BASE_PORT (default 8645) let tests
// run a devnet beside a real one.
// Layout: .devnet/devnet.json (the nodes, their ports, the supervisor), .devnet/nodeN/ (each node's datadir,
// with node.json and node.log). The `up` process is the supervisor: it owns the node processes and answers
// stop/start/kill on a loopback-only control port.
import '../src/polyfill.js';
import { type ChildProcess, spawn } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { encodeAddress } from '../src/consensus/address.js';
import { toHex } from '../src/consensus/bytes.js';
import { encodeTx } from '../src/consensus/encoding.js';
import { signTx } from '../src/consensus/signature.js';
import { packageRoot } from '../src/util/package-files.js';
import { DEV_KEY_COUNT, DEV_MNEMONIC, devKeys } from '../wallet/dev-keys.js';

const ROOT = packageRoot();
const DEVNET_DIR = process.env.CAIRN_DEVNET_DIR ?? join(ROOT, '.devnet');
const STATE_FILE = join(DEVNET_DIR, 'devnet.json');
const STATUS_EVERY_MS = 5_000;
/** node0's API lands on 8645, the port `cairn` and `cairn-wallet` talk to by default. */
const DEFAULT_BASE_PORT = Number(process.env.CAIRN_DEVNET_BASE_PORT ?? 8645);

interface NodeSpec {
  readonly name: string;
  readonly index: number;
  readonly apiPort: number;
  readonly p2pPort: number;
  readonly miner: boolean;
}

interface DevnetState {
  readonly basePort: number;
  readonly regtest: boolean;
  readonly threads: number;
  readonly nodes: readonly NodeSpec[];
  readonly control: string;
  supervisorPid: number | null;
}

interface NodeInfo {
  readonly peerId: string;
  readonly multiaddrs: readonly string[];
  readonly api: string;
}

interface Status {
  height: number;
  tipHash: string;
  peers: number;
  mempool: number;
  syncing: boolean;
  stateDigest: string;
  genesisHash: string;
}

// --- Small helpers ---------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fail(message: string, code = 1): never {
  console.error(`devnet: ${message}`);
  process.exit(code);
}

function readState(): DevnetState | undefined {
  if (!existsSync(STATE_FILE)) return undefined;
  return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as DevnetState;
}

function writeState(state: DevnetState): void {
  mkdirSync(DEVNET_DIR, { recursive: true });
  writeFileSync(`${STATE_FILE}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${STATE_FILE}.tmp`, STATE_FILE); // atomic: a reader never sees half a file
}

function isAlive(pid: number | null): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function datadirOf(node: NodeSpec): string {
  return join(DEVNET_DIR, node.name);
}

function readNodeInfo(node: NodeSpec): NodeInfo | undefined {
  try {
    return JSON.parse(readFileSync(join(datadirOf(node), 'node.json'), 'utf8')) as NodeInfo;
  } catch {
    return undefined;
  }
}

async function http<T>(url: string, init: RequestInit = {}, timeoutMs = 3_000): Promise<T> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  const body = (await res.json()) as T & { error?: { code: string; message: string } };
  if (!res.ok)
    throw new Error(body.error ? `${body.error.message} [${body.error.code}]` : `HTTP ${res.status}`);
  return body;
}

const post = <T>(url: string, body: unknown = {}, timeoutMs?: number) =>
  http<T>(
    url,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    timeoutMs,
  );

async function statusOf(node: NodeSpec): Promise<Status | undefined> {
  try {
    return await http<Status>(`http://127.0.0.1:${node.apiPort}/status`, {}, 2_000);
  } catch {
    return undefined;
  }
}

/** Resolves true if nothing listens on `port` at `host` (so a node can bind it). */
function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createNetServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

function nodeByName(state: DevnetState, text: string): NodeSpec {
  const node = state.nodes.find((n) => n.name === text || String(n.index) === text);
  if (!node) fail(`no node "${text}": this devnet has ${state.nodes.map((n) => n.name).join(', ')}`);
  return node;
}

function runningState(): DevnetState {
  const state = readState();
  if (!state || !isAlive(state.supervisorPid)) fail('no devnet is running: start one with `npm start`');
  return state;
}

const short = (hex: string) => hex.slice(0, 8);

// --- up: the supervisor ----------------------------------------------------------------------------

interface UpFlags {
  nodes: number;
  miners: number;
  basePort: number;
  fresh?: boolean;
  regtest?: boolean;
  threads: number;
}

class Supervisor {
  private readonly children = new Map<string, ChildProcess>();
  private readonly stopping = new Set<string>();
  private control: Server | undefined;
  private shuttingDown = false;

  constructor(private readonly state: DevnetState) {}

  private args(node: NodeSpec): string[] {
    const { state } = this;
    const args = [
      '--import',
      'tsx',
      join(ROOT, 'src/cli/main.ts'),
      'start',
      '--datadir',
      datadirOf(node),
      '--api-port',
      String(node.apiPort),
      '--p2p-port',
      String(node.p2pPort),
    ];
    if (state.regtest) args.push('--regtest');
    if (node.miner) {
      const address = encodeAddress(devKeys()[node.index % DEV_KEY_COUNT]!.addressHash, 'cairn');
      args.push('--mine', '--miner', address, '--threads', String(state.threads));
    }
    // Each node is told about the nodes before it (up to two) and, when restarted, about every running node:
    // never a single hub, and peer exchange fills in the rest.
    const others = state.nodes.filter((n) => n !== node);
    const known = others
      .filter((n) => n.index < node.index || this.children.has(n.name))
      .slice(-2)
      .concat(others.filter((n) => this.children.has(n.name)));
    const seen = new Set<string>();
    for (const peer of known) {
      const info = readNodeInfo(peer);
      const addr = info?.multiaddrs.find((a) => a.includes('/ip4/127.0.0.1/'));
      if (addr && !seen.has(addr)) {
        seen.add(addr);
        args.push('--peer', addr);
      }
    }
    return args;
  }

  async startNode(node: NodeSpec): Promise<NodeInfo> {
    if (this.children.has(node.name)) throw new Error(`${node.name} is already running`);
    const dir = datadirOf(node);
    mkdirSync(dir, { recursive: true });
    rmSync(join(dir, 'node.json'), { force: true });
    const log = createWriteStream(join(dir, 'node.log'), { flags: 'a' });
    // detached: each node in its own process group, so a Ctrl-C in the terminal reaches only the
    // supervisor, which stops the nodes one signal each. A node that got the terminal's SIGINT as well as
    // our SIGTERM would take the second signal as "exit now" and skip its clean shutdown.
    const child = spawn(process.execPath, this.args(node), {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    this.children.set(node.name, child);
    child.on('exit', (code, signal) => {
      this.children.delete(node.name);
      const expected = this.stopping.delete(node.name) || this.shuttingDown;
      if (!expected)
        console.log(`!! ${node.name} exited (${signal ?? `code ${code}`}); see ${join(dir, 'node.log')}`);
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      const info = readNodeInfo(node);
      if (info) return info;
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
      while (!readNodeInfo(node) && this.children.get(node.name) === child && Date.now() < deadline)
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

  /** stop/start/kill requests from `npm run devnet -- …` in another terminal. Loopback only. */
  async listenControl(port: number): Promise<void> {
    this.control = createHttpServer((req, res) => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const m = /^\/(stop|start|kill)\/(\w+)$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !m)
        return reply(404, { error: { code: 'NOT_FOUND', message: 'unknown request' } });
      const node = this.state.nodes.find((n) => n.name === m[2] || String(n.index) === m[2]);
      if (!node) return reply(404, { error: { code: 'NOT_FOUND', message: `no node ${m[2]}` } });
      const op =
        m[1] === 'start'
          ? this.startNode(node).then((info) => {
              console.log(`>> ${node.name} started (${info.api})`);
              return info;
            })
          : this.stopNode(node, m[1] === 'kill' ? 'SIGKILL' : 'SIGTERM').then((how) => {
              if (m[1] === 'stop' && how !== 0)
                throw new Error(`${node.name} did not stop cleanly (${how}); see its node.log`);
              console.log(`>> ${node.name} ${m[1] === 'kill' ? 'killed with SIGKILL' : 'stopped'}`);
              return {};
            });
      op.then(
        (body) => reply(200, body),
        (e: Error) => reply(409, { error: { code: 'CONFLICT', message: e.message } }),
      );
    });
    await new Promise<void>((resolve, reject) => {
      this.control!.once('error', reject);
      this.control!.listen(port, '127.0.0.1', resolve);
    });
  }

  /** Stops every node; resolves false if any of them did not stop cleanly (and says which). */
  async shutdown(): Promise<boolean> {
    this.shuttingDown = true;
    console.log('\nstopping every node …');
    const running = this.state.nodes.filter((n) => this.isRunning(n));
    const ends = await Promise.all(running.map((n) => this.stopNode(n).catch((e: Error) => e.message)));
    await new Promise((r) => (this.control ? this.control.close(r) : r(undefined)));
    this.state.supervisorPid = null;
    writeState(this.state);
    const unclean = running.filter((_, i) => ends[i] !== 0);
    for (const n of unclean) {
      console.log(`!! ${n.name} did not stop cleanly (${ends[running.indexOf(n)]}); see its node.log`);
    }
    if (unclean.length > 0) return false;
    console.log('all nodes stopped cleanly; `npm start` resumes this chain (`-- --fresh` starts over)');
    return true;
  }

  /** One compact line per node; nodes off the most common tip are marked FORKED. */
  async printStatus(): Promise<void> {
    const rows = await Promise.all(this.state.nodes.map(async (n) => ({ n, s: await statusOf(n) })));
    const tips = new Map<string, number>();
    for (const { s } of rows) if (s) tips.set(s.tipHash, (tips.get(s.tipHash) ?? 0) + 1);
    const common = [...tips.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
    const time = new Date().toISOString().slice(11, 19);
    for (const { n, s } of rows) {
      if (!s) {
        console.log(`${time} ${n.name.padEnd(6)} ${this.isRunning(n) ? 'starting…' : 'stopped'}`);
        continue;
      }
      const mark = tips.size > 1 && s.tipHash !== common ? '  FORKED' : '';
      const sync = s.syncing ? '  syncing' : '';
      console.log(
        `${time} ${n.name.padEnd(6)} height ${String(s.height).padStart(5)}  tip ${short(s.tipHash)}  ` +
          `peers ${s.peers}  mempool ${String(s.mempool).padStart(3)}${n.miner ? '  mining' : ''}${sync}${mark}`,
      );
    }
  }
}

async function up(flags: UpFlags): Promise<void> {
  if (flags.miners > flags.nodes) fail(`--miners ${flags.miners} is more than --nodes ${flags.nodes}`);
  const previous = readState();
  if (previous && isAlive(previous.supervisorPid)) {
    fail(`a devnet is already running (supervisor pid ${previous.supervisorPid}); stop it with Ctrl-C there`);
  }
  if (flags.fresh) rmSync(DEVNET_DIR, { recursive: true, force: true });
  const resumed = !flags.fresh && previous;
  if (resumed && (previous.nodes.length !== flags.nodes || previous.regtest !== Boolean(flags.regtest))) {
    console.log('note: the devnet in .devnet/ has a different shape; starting over (--fresh)');
    rmSync(DEVNET_DIR, { recursive: true, force: true });
  }
  const nodes: NodeSpec[] = Array.from({ length: flags.nodes }, (_, i) => ({
    name: `node${i}`,
    index: i,
    apiPort: flags.basePort + 2 * i,
    p2pPort: flags.basePort + 2 * i + 1,
    miner: i < flags.miners,
  }));
  const controlPort = flags.basePort + 2 * flags.nodes;
  const taken: string[] = [];
  for (const n of nodes) {
    if (!(await portFree(n.apiPort, '127.0.0.1'))) taken.push(`${n.apiPort} (${n.name} API)`);
    if (!(await portFree(n.p2pPort, '0.0.0.0'))) taken.push(`${n.p2pPort} (${n.name} P2P)`);
  }
  if (!(await portFree(controlPort, '127.0.0.1'))) taken.push(`${controlPort} (devnet control)`);
  if (taken.length > 0) {
    fail(`ports already in use: ${taken.join(', ')}. Stop what uses them, or pick others with --base-port`);
  }
  const state: DevnetState = {
    basePort: flags.basePort,
    regtest: Boolean(flags.regtest),
    threads: flags.threads,
    nodes,
    control: `http://127.0.0.1:${controlPort}`,
    supervisorPid: process.pid,
  };
  writeState(state);
  const sup = new Supervisor(state);
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    sup.shutdown().then((clean) => process.exit(clean ? 0 : 1));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal); // the terminal closed: the nodes, in their own groups, would live on
  await sup.listenControl(controlPort);

  console.log(
    `Cairn devnet: ${flags.nodes} nodes, ${flags.miners} mining, on ${flags.regtest ? 'regtest' : 'genesis.json (real difficulty)'}` +
      `${existsSync(join(DEVNET_DIR, 'node0', 'chain')) ? ', resuming the chain in .devnet/' : ''}\n`,
  );
  for (const node of nodes) {
    try {
      const info = await sup.startNode(node);
      console.log(`${node.name}  ${info.api}  peer ${info.peerId}${node.miner ? '  (mining)' : ''}`);
    } catch (e) {
      console.error(`devnet: ${(e as Error).message}`);
      await sup.shutdown();
      process.exit(1);
    }
  }
  console.log(
    '\nFunded development wallets (PUBLIC keys from a well-known mnemonic: never use them for value):',
  );
  for (const k of devKeys()) console.log(`  ${k.name}  ${encodeAddress(k.addressHash, 'cairn')}`);
  console.log(`  mnemonic: "${DEV_MNEMONIC}"`);
  console.log('  import them with: npx cairn-wallet import-dev');
  console.log(
    '\nFrom another terminal: npm run devnet -- status | partition 0,1 2 | heal | stop 1 | start 1 | kill 1',
  );
  console.log('                       npm run devnet -- load --tps 5 --seconds 30');
  console.log('Ctrl-C stops every node.\n');
  while (!stopping) {
    await sup.printStatus();
    await sleep(STATUS_EVERY_MS);
  }
}

// --- Commands that act on a running devnet ---------------------------------------------------------

/** Whether `node` has the block `hash` on its main chain (false if it does not know the block at all). */
async function onMainChainOf(node: NodeSpec, hash: string): Promise<boolean> {
  try {
    return (await http<{ onMainChain: boolean }>(`http://127.0.0.1:${node.apiPort}/blocks/${hash}`))
      .onMainChain;
  } catch {
    return false;
  }
}

/**
 * A real fork: two nodes each have a tip that is not on the other's main chain, so both sides mined their
 * own branch. Different tips alone are not enough: right after a partition one side may have mined a
 * block the other simply lacks, and healing that is a plain catch-up, not a reorg.
 */
async function diverged(running: readonly { node: NodeSpec; status?: Status }[]): Promise<boolean> {
  for (const a of running) {
    for (const b of running) {
      if (a.status!.tipHash === b.status!.tipHash) continue;
      if (
        !(await onMainChainOf(a.node, b.status!.tipHash)) &&
        !(await onMainChainOf(b.node, a.status!.tipHash))
      )
        return true;
    }
  }
  return false;
}

async function status(flags: { json?: boolean; wait?: number; expect: 'agree' | 'split' }): Promise<void> {
  const state = readState();
  if (!state) fail('no devnet here: start one with `npm start`');
  const deadline = Date.now() + (flags.wait ?? 0) * 1000;
  for (;;) {
    const rows = await Promise.all(state.nodes.map(async (n) => ({ node: n, status: await statusOf(n) })));
    const running = rows.filter((r) => r.status);
    const tips = new Set(running.map((r) => r.status!.tipHash));
    const digests = new Set(running.map((r) => r.status!.stateDigest));
    const agree = running.length > 0 && tips.size === 1 && digests.size === 1;
    const met = flags.expect === 'split' ? await diverged(running) : agree;
    if (met || Date.now() >= deadline) {
      if (flags.json) {
        console.log(
          JSON.stringify({ agree, nodes: rows.map((r) => ({ name: r.node.name, ...r.status })) }, null, 2),
        );
      } else {
        for (const { node, status: s } of rows) {
          console.log(
            s
              ? `${node.name.padEnd(6)} height ${String(s.height).padStart(5)}  tip ${short(s.tipHash)}  ` +
                  `state ${short(s.stateDigest)}  peers ${s.peers}  mempool ${s.mempool}${s.syncing ? '  syncing' : ''}`
              : `${node.name.padEnd(6)} not running`,
          );
        }
        console.log(
          agree
            ? `all ${running.length} running nodes agree: tip ${short([...tips][0]!)}, state digest ${short([...digests][0]!)}`
            : running.length === 0
              ? 'no node is running'
              : `the nodes disagree: ${tips.size} different tips, ${digests.size} different state digests`,
        );
      }
      process.exitCode = met ? 0 : 1;
      return;
    }
    await sleep(500);
  }
}

async function partition(groupsText: string[]): Promise<void> {
  const state = runningState();
  const groups = groupsText.map((g) => g.split(',').map((name) => nodeByName(state, name.trim())));
  const listed = groups.flat();
  if (new Set(listed.map((n) => n.name)).size !== listed.length) fail('a node is in two groups');
  const rest = state.nodes.filter((n) => !listed.includes(n));
  if (rest.length > 0) groups.push(rest);
  if (groups.length < 2) fail('give at least two groups, e.g. `partition 0,1 2`');
  for (const group of groups) {
    const outside = state.nodes.filter((n) => !group.includes(n));
    const peerIds = outside.map((n) => readNodeInfo(n)?.peerId).filter((id): id is string => Boolean(id));
    for (const node of group) {
      try {
        await post(`http://127.0.0.1:${node.apiPort}/admin/block-peers`, { peerIds });
      } catch (e) {
        console.log(`${node.name}: not reachable (${(e as Error).message}); it will not be partitioned`);
      }
    }
  }
  console.log(`partitioned: ${groups.map((g) => `{${g.map((n) => n.name).join(', ')}}`).join(' | ')}`);
  console.log('watch: each side mines its own branch; `npm run devnet -- status` shows the tips diverge.');
  console.log('then: `npm run devnet -- heal`, and the branch with the most work wins everywhere.');
}

async function heal(): Promise<void> {
  const state = runningState();
  for (const node of state.nodes) {
    try {
      await post(`http://127.0.0.1:${node.apiPort}/admin/unblock-peers`);
    } catch (e) {
      console.log(`${node.name}: not reachable (${(e as Error).message})`);
    }
  }
  console.log('healed: every node may reach every other again.');
  console.log(
    'watch: the nodes exchange status, the lighter side reorgs to the heavier chain (see "reorg" in',
  );
  console.log(
    '.devnet/nodeN/node.log with its depth), and `npm run devnet -- status --wait 60` exits 0 once all agree.',
  );
}

async function control(op: 'stop' | 'start' | 'kill', name: string): Promise<void> {
  const state = runningState();
  const node = nodeByName(state, name);
  try {
    await post(`${state.control}/${op}/${node.name}`, {}, 90_000);
  } catch (e) {
    fail((e as Error).message);
  }
  const what = {
    stop: `${node.name} stopped cleanly. Watch: the others keep mining and stay in sync without it.`,
    kill: `${node.name} killed with SIGKILL (no clean shutdown). Start it again to see it recover its datadir.`,
    start: `${node.name} started. Watch: it syncs the blocks it missed and rejoins (status shows it catch up).`,
  };
  console.log(what[op]);
}

async function load(flags: { tps: number; seconds: number }): Promise<void> {
  const state = runningState();
  const apis = state.nodes.map((n) => `http://127.0.0.1:${n.apiPort}`);
  const live: string[] = [];
  for (const api of apis) if (await http(`${api}/status`).catch(() => undefined)) live.push(api);
  if (live.length === 0) fail('no node is answering');
  const { genesisHash } = await http<Status>(`${live[0]}/status`);
  const genesis = Uint8Array.from(Buffer.from(genesisHash, 'hex'));
  const keys = devKeys();
  const nonces = await Promise.all(
    keys.map(async (k) => {
      const a = await http<{ nonce: string; nextNonce?: string }>(
        `${live[0]}/accounts/${encodeAddress(k.addressHash, 'cairn')}`,
      );
      return BigInt(a.nextNonce ?? a.nonce);
    }),
  );
  const total = Math.round(flags.tps * flags.seconds);
  console.log(
    `sending ${total} transfers between the dev wallets at ${flags.tps}/s through ${live.length} nodes …`,
  );
  const start = Date.now();
  const results = new Map<string, number>();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const wait = start + (i * 1000) / flags.tps - Date.now();
    if (wait > 0) await sleep(wait);
    const from = i % keys.length;
    const to = keys[(i + 1 + (i % (keys.length - 1))) % keys.length]!;
    const tx = signTx(
      {
        version: 1,
        nonce: nonces[from]!++,
        fee: 10_000n,
        amount: 1_000n + BigInt(i),
        to: to.addressHash,
        from: keys[from]!.publicKey,
      },
      keys[from]!.privateKey,
      genesis,
    );
    const api = live[i % live.length]!;
    pending.push(
      post(`${api}/txs`, { raw: toHex(encodeTx(tx)) }).then(
        () => void results.set('accepted', (results.get('accepted') ?? 0) + 1),
        (e: Error) => {
          const code = /\[(\w+)\]$/.exec(e.message)?.[1] ?? 'ERROR';
          results.set(code, (results.get(code) ?? 0) + 1);
        },
      ),
    );
  }
  await Promise.all(pending);
  const summary = [...results.entries()].map(([k, v]) => `${v} ${k}`).join(', ');
  console.log(`done in ${((Date.now() - start) / 1000).toFixed(1)} s: ${summary}`);
  console.log(
    'watch: the mempools fill, then the next blocks carry the transfers (`npm run devnet -- status`).',
  );
}

// --- The command line ------------------------------------------------------------------------------

function int(name: string, min: number, max: number) {
  return (v: string) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max)
      throw new InvalidArgumentError(`--${name} must be ${min}..${max}`);
    return n;
  };
}

const program = new Command('devnet').description('run and steer a local multi-node Cairn devnet');
program
  .command('up', { isDefault: true })
  .description('start the devnet and supervise it until Ctrl-C')
  .option('--nodes <n>', 'how many nodes', int('nodes', 1, 20), 3)
  .option('--miners <m>', 'how many of them mine', int('miners', 0, 20), 2)
  .option(
    '--base-port <p>',
    'node i uses ports P+2i (API) and P+2i+1 (P2P)',
    int('base-port', 1024, 65000),
    DEFAULT_BASE_PORT,
  )
  .option('--threads <n>', 'mining threads per miner', int('threads', 1, 64), 1)
  .option('--regtest', 'use the built-in regtest chain (instant blocks) instead of genesis.json')
  .option('--fresh', 'wipe .devnet/ and start a new chain')
  .action(up);
program
  .command('status')
  .description(
    'every node’s tip, peers and state digest; exits 0 only if all running nodes agree (or, with --expect split, differ)',
  )
  .option('--json', 'print JSON')
  .option(
    '--wait <seconds>',
    'keep checking until they agree or this many seconds pass',
    int('wait', 0, 3600),
  )
  .addOption(
    new Option(
      '--expect <what>',
      'agree: one tip and state everywhere; split: the nodes are on diverged branches',
    )
      .choices(['agree', 'split'])
      .default('agree'),
  )
  .action(status);
program
  .command('partition')
  .description('split the nodes into groups that cannot reach each other, e.g. `partition 0,1 2`')
  .argument('<groups...>', 'comma-separated node names or indexes, one argument per group')
  .action(partition);
program.command('heal').description('end a partition').action(heal);
for (const op of ['stop', 'start', 'kill'] as const) {
  program
    .command(op)
    .description(
      {
        stop: 'stop a node cleanly',
        start: 'start a stopped node',
        kill: 'kill a node with SIGKILL (crash test)',
      }[op],
    )
    .argument('<node>', 'node name or index')
    .action((name: string) => control(op, name));
}
program
  .command('load')
  .description('a bounded stream of signed transfers between the dev wallets, through different nodes')
  .requiredOption('--tps <r>', 'transfers per second', int('tps', 1, 1000))
  .requiredOption('--seconds <s>', 'for how long', int('seconds', 1, 3600))
  .action(load);

await program.parseAsync(process.argv);
