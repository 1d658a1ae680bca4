// The devnet an attack scenario runs on: real `cairn start` processes under the devnet's own Supervisor,
// on a genesis file written for the run (genesis.ts), with the supervisor's loopback server (controls,
// the merged event stream with the scenario's `attack` events, and the dashboard) on the port after the
// nodes'. Each run has a directory of its own (wiped first), so it never touches a running `npm start`.
//
// The attacker's private miner is an ordinary node that the devnet cuts off from every other node with
// the partition control (POST /admin/block-peers, as `devnet -- partition` does): no peer can reach it
// and it reaches none, so what it mines stays with it until the scenario hands chosen blocks to the
// attacker's public node with POST /blocks. No node has a withholding switch (docs/ATTACKS.md says why).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { encodeAddress } from '../../../src/consensus/address.js';
import { fromHex, toHex } from '../../../src/consensus/bytes.js';
import { decodeBlock, encodeBlock, encodeTx } from '../../../src/consensus/encoding.js';
import type { Block, ChainParams, Tx } from '../../../src/consensus/types.js';
import { waitUntil } from '../../lib/devnet-process.js';
import { ControlServer } from '../control-server.js';
import { EventHub, sseParser } from '../event-hub.js';
import { portFree } from '../http.js';
import { applyPartition } from '../partition.js';
import { apiOf, type DevnetState, type NodeSpec, writeState } from '../state.js';
import { Supervisor } from '../supervisor.js';
import { writeGenesis } from './genesis.js';

/** What a node's GET /status answers (the fields the scenarios read). */
export interface NodeStatus {
  readonly height: number;
  readonly tipHash: string;
  readonly chainWork: string;
  readonly peers: number;
  readonly mempool: number;
}

/** What GET /blocks/:hashOrHeight answers (the fields the scenarios read). */
export interface BlockJson {
  readonly hash: string;
  readonly height: number;
  readonly prevHash: string;
  readonly miner: string;
  readonly time: number;
  readonly bits: string;
  readonly chainWork: string;
  readonly status: 'valid' | 'valid-header' | 'invalid';
  readonly onMainChain: boolean;
  readonly confirmations: number;
  readonly txs: readonly string[];
  readonly raw: string;
}

/** One row of GET /blocks?from=&limit= (main-chain headers). */
export interface HeaderJson {
  readonly hash: string;
  readonly height: number;
  readonly prevHash: string;
  readonly miner: string;
  readonly time: number;
  readonly bits: string;
  readonly chainWork: string;
}

export interface TxJson {
  readonly status: 'pending' | 'confirmed';
  readonly blockHash?: string;
  readonly height?: number;
  readonly confirmations?: number;
}

export interface ChainTipJson {
  readonly hash: string;
  readonly height: number;
  readonly chainWork: string;
  readonly branchLength: number;
  readonly status: string;
}

/** What POST /blocks made of a block, or the rule that refused it. */
export type SubmitOutcome =
  | {
      readonly accepted: true;
      readonly hash: string;
      readonly status: 'connected' | 'stored' | 'orphan' | 'duplicate';
      readonly onMainChain: boolean;
    }
  | {
      readonly accepted: false;
      readonly httpStatus: number;
      readonly code: string;
      readonly message: string;
    };

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(url: string, init: RequestInit = {}, timeoutMs = 30_000): Promise<T> {
  let res: Response | undefined;
  for (let attempt = 1; !res; attempt++) {
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      const cause = (e as Error & { cause?: Error & { code?: string } }).cause;
      // A kept-alive connection the node closed while this process was busy (crafting blocks keeps the
      // event loop from noticing for seconds, and a node can sit idle for minutes while others mine):
      // the request never reached the node, so sending it once more on a fresh connection is safe.
      if (cause?.code === 'UND_ERR_SOCKET' && attempt === 1) continue;
      // undici says only "fetch failed"; the cause (ECONNREFUSED, a timeout …) and the URL say which node.
      throw new Error(`${init.method ?? 'GET'} ${url}: ${cause?.message ?? (e as Error).message}`);
    }
  }
  const body = (await res.json()) as T & { error?: { code: string; message: string } };
  if (!res.ok) {
    throw new HttpFailure(
      res.status,
      body.error?.code ?? `HTTP_${res.status}`,
      body.error ? `${body.error.message} [${body.error.code}]` : `HTTP ${res.status} from ${url}`,
    );
  }
  return body;
}

/** What `request` answers, or undefined if the node answered 404 (it does not have the block or tx). */
async function unlessNotFound<T>(request: Promise<T>): Promise<T | undefined> {
  try {
    return await request;
  } catch (e) {
    if (e instanceof HttpFailure && e.status === 404) return undefined;
    throw e;
  }
}

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** One node of the scenario, through its HTTP API. */
export class NodeClient {
  constructor(
    readonly name: string,
    readonly api: string,
  ) {}

  status(): Promise<NodeStatus> {
    return call<NodeStatus>(`${this.api}/status`, {}, 10_000);
  }

  /** Mines one block on this node's tip with its own miner (real proof of work); its hash. */
  async mine(to: string): Promise<string> {
    const r = await call<{ hashes: string[] }>(`${this.api}/mine`, json({ blocks: 1, to }), 120_000);
    return r.hashes[0]!;
  }

  /** Hands the node a block (POST /blocks); a refusal is returned, not thrown. */
  async submit(block: Block | string): Promise<SubmitOutcome> {
    const raw = typeof block === 'string' ? block : toHex(encodeBlock(block));
    try {
      const r = await call<{ hash: string; status: 'connected'; onMainChain: boolean }>(
        `${this.api}/blocks`,
        json({ raw }),
      );
      return { accepted: true, hash: r.hash, status: r.status, onMainChain: r.onMainChain };
    } catch (e) {
      if (e instanceof HttpFailure)
        return { accepted: false, httpStatus: e.status, code: e.code, message: e.message };
      throw e;
    }
  }

  /** A block by hash or main-chain height, or undefined if the node does not have it. */
  block(hashOrHeight: string | number): Promise<BlockJson | undefined> {
    return unlessNotFound(call<BlockJson>(`${this.api}/blocks/${hashOrHeight}`, {}, 10_000));
  }

  /** The decoded block, for building on it or handing it to another node. */
  async decoded(hash: string): Promise<Block> {
    const b = await this.block(hash);
    if (!b) throw new Error(`${this.name} does not have block ${hash}`);
    return decodeBlock(fromHex(b.raw));
  }

  tx(id: string): Promise<TxJson | undefined> {
    return unlessNotFound(call<TxJson>(`${this.api}/txs/${id}`, {}, 10_000));
  }

  /** Posts a signed tx to the mempool; its id. Throws the refusal. */
  async sendTx(tx: Tx): Promise<string> {
    const r = await call<{ id: string }>(`${this.api}/txs`, json({ raw: toHex(encodeTx(tx)) }), 10_000);
    return r.id;
  }

  async balance(address: string): Promise<bigint> {
    return (await this.account(address)).balance;
  }

  async account(address: string): Promise<{ balance: bigint; nonce: bigint }> {
    const a = await call<{ balance: string; nonce: string }>(`${this.api}/accounts/${address}`, {}, 10_000);
    return { balance: BigInt(a.balance), nonce: BigInt(a.nonce) };
  }

  /** Main-chain headers from height `from`, at most `limit` (≤ 1000), oldest first. */
  headers(from: number, limit: number): Promise<HeaderJson[]> {
    return call<HeaderJson[]>(`${this.api}/blocks?from=${from}&limit=${limit}`, {}, 30_000);
  }

  tips(): Promise<ChainTipJson[]> {
    return call<ChainTipJson[]>(`${this.api}/chain/tips`, {}, 10_000);
  }
}

/** A reorg as a node reported it on its event stream (GET /events), relayed by the supervisor. */
export interface ReorgSeen {
  readonly node: string;
  readonly depth: number;
  readonly fork: string;
  readonly forkHeight: number;
  readonly oldTip: string;
  readonly newTip: string;
  readonly disconnected: readonly string[];
}

/**
 * Listens to the supervisor's merged stream (GET /devnet/events) as a dashboard does, and keeps what the
 * nodes themselves report: each node's tip (its last `block` event: a node announces every block it
 * connects, the blocks of a reorg included, so the last one is its tip) and every `reorg`. Waiting on
 * these costs the nodes nothing, unlike polling their /status.
 */
export class EventWatch {
  readonly reorgs: ReorgSeen[] = [];
  /** Each node's tip, as its last `block` event said. */
  readonly tips = new Map<string, string>();
  private readonly abort = new AbortController();
  private readonly done: Promise<void>;
  private readonly waiters = new Set<() => void>();
  private connected = false;

  constructor(url: string) {
    const feed = sseParser((e) => {
      if (e.event === 'block') {
        const m = JSON.parse(e.data) as { node: string; data: { hash: string } };
        this.tips.set(m.node, m.data.hash);
      } else if (e.event === 'reorg') {
        const m = JSON.parse(e.data) as { node: string; data: Omit<ReorgSeen, 'node'> };
        this.reorgs.push({ node: m.node, ...m.data });
      } else return;
      for (const wake of this.waiters) wake();
    });
    this.done = (async () => {
      try {
        const res = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: this.abort.signal });
        if (!res.body) return;
        this.connected = true;
        const decoder = new TextDecoder();
        for await (const chunk of res.body) feed(decoder.decode(chunk, { stream: true }));
      } catch {
        // closed
      }
    })();
  }

  get listening(): boolean {
    return this.connected;
  }

  /** Resolves once `check` holds, re-checked on every block or reorg event; throws after `timeoutMs`. */
  until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const wake = () => {
        if (!check()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
      };
      this.waiters.add(wake);
    });
  }

  /** Resolves once every named node reports `hash` as its tip. */
  tipsAre(nodes: readonly { name: string }[], hash: string, what: string, timeoutMs = 30_000): Promise<void> {
    return this.until(what, () => nodes.every((n) => this.tips.get(n.name) === hash), timeoutMs);
  }

  close(): Promise<void> {
    this.abort.abort();
    return this.done;
  }
}

export interface AttackNetOptions {
  /** Wiped, then holds the genesis file, devnet.json and one datadir per node. */
  readonly dir: string;
  /** Node i listens on basePort + 2i (API) and + 2i + 1 (P2P); the supervisor's server on basePort + 2n. */
  readonly basePort: number;
  readonly params: ChainParams;
  /** The nodes' names, in start order (they show on the dashboard). */
  readonly nodes: readonly string[];
  /** Names of nodes cut off from all others as soon as they are up. */
  readonly isolated?: readonly string[];
}

/** A running scenario devnet. */
export class AttackNet {
  private constructor(
    readonly state: DevnetState,
    readonly params: ChainParams,
    private readonly supervisor: Supervisor,
    private readonly hub: EventHub,
    private readonly server: ControlServer,
    readonly clients: ReadonlyMap<string, NodeClient>,
    readonly dir: string,
    /** The nodes' own reports (tips, reorgs) from the merged stream, from the start on. */
    readonly events: EventWatch,
  ) {}

  static async start(opts: AttackNetOptions): Promise<AttackNet> {
    const { dir, basePort, params } = opts;
    const specs: NodeSpec[] = opts.nodes.map((name, i) => ({
      name,
      index: i,
      apiPort: basePort + 2 * i,
      p2pPort: basePort + 2 * i + 1,
      miner: false, // nobody mines on its own: the scenario's lottery picks each block's finder
    }));
    const controlPort = basePort + 2 * specs.length;
    const taken: number[] = [];
    for (const n of specs) {
      if (!(await portFree(n.apiPort, '127.0.0.1'))) taken.push(n.apiPort);
      if (!(await portFree(n.p2pPort, '0.0.0.0'))) taken.push(n.p2pPort);
    }
    if (!(await portFree(controlPort, '127.0.0.1'))) taken.push(controlPort);
    if (taken.length > 0)
      throw new Error(`ports already in use: ${taken.join(', ')}; pick others with --base-port`);
    rmSync(dir, { recursive: true, force: true });
    const genesis = writeGenesis(dir, params);
    const state: DevnetState = {
      basePort,
      regtest: false,
      genesis,
      threads: 1,
      nodes: specs,
      control: `http://127.0.0.1:${controlPort}`,
      supervisorPid: process.pid,
    };
    await writeState(state, dir);
    const supervisor = new Supervisor(state, dir);
    const hub = new EventHub(specs.map((n) => ({ name: n.name, url: `${apiOf(n)}/events` })));
    const server = new ControlServer({ state, supervisor, hub, dir });
    supervisor.on('started', (node) => hub.reconnectNow(node.name));
    await server.listen(controlPort);
    hub.start();
    const clients = new Map(specs.map((n) => [n.name, new NodeClient(n.name, apiOf(n))]));
    const events = new EventWatch(`${state.control}/devnet/events`);
    const net = new AttackNet(state, params, supervisor, hub, server, clients, dir, events);
    try {
      // The first node alone, then the rest together: each is told about the nodes already up.
      await supervisor.startNode(specs[0]!);
      await Promise.all(specs.slice(1).map((n) => supervisor.startNode(n)));
      const isolated = specs.filter((n) => opts.isolated?.includes(n.name));
      if (isolated.length > 0) {
        const unreachable = await applyPartition(
          state,
          [isolated, specs.filter((n) => !isolated.includes(n))],
          dir,
        );
        if (unreachable.length > 0)
          throw new Error(
            `could not isolate ${unreachable.map((u) => `${u.name} (${u.message})`).join(', ')}`,
          );
      }
      // Every public node must see another before the scenario starts, or its first blocks go nowhere.
      const publicNodes = specs.filter((n) => !isolated.includes(n));
      if (publicNodes.length > 1) {
        await waitUntil(
          'the public nodes to connect to each other',
          async () => {
            const peers = await Promise.all(publicNodes.map((n) => net.node(n.name).status()));
            return peers.every((s) => s.peers >= 1);
          },
          60_000,
          50,
        );
      }
      // The supervisor's stream must carry every node's events before anything happens.
      await waitUntil(
        'the supervisor to follow every node’s events',
        () => specs.every((n) => hub.isUp(n.name)),
        30_000,
        50,
      );
      for (const n of isolated) {
        await waitUntil(
          `${n.name} to drop its peers`,
          async () => (await net.node(n.name).status()).peers === 0,
          30_000,
          50,
        );
      }
    } catch (e) {
      await net.stop();
      throw e;
    }
    return net;
  }

  node(name: string): NodeClient {
    const c = this.clients.get(name);
    if (!c) throw new Error(`no node ${name} in this scenario`);
    return c;
  }

  /** The dashboard of this run. */
  get dashboard(): string {
    return `${this.state.control}/`;
  }

  /** An address of this chain for a 20-byte address hash. */
  address(hash: Uint8Array): string {
    return encodeAddress(hash, this.params.addressPrefix);
  }

  /** Sends an event of the scenario to every dashboard on the merged stream (`event: attack`). */
  publish(data: unknown): void {
    this.hub.publish('attack', data);
  }

  /** Where node `name` logs. */
  logOf(name: string): string {
    return join(this.dir, name, 'node.log');
  }

  /** Stops every node cleanly and the supervisor's server. Resolves false if a node did not stop cleanly. */
  async stop(): Promise<boolean> {
    await this.events.close();
    const clean = await this.supervisor.shutdown(false); // the run's directory is wiped by the next run
    await this.server.close();
    return clean;
  }
}
