// The dashboard's state and where it comes from. Two sources, one model:
//   - one node (same origin): /status, /chain/tips, /chain/tree, /peers, /mempool and /events;
//   - the devnet aggregator, found by GET /devnet/state: the same routes per node under each node's
//     `base`, and one merged stream at /devnet/events whose events carry a `node` field.
// Events are applied to the tree (keyed by hash, so a replayed event changes nothing) and logged once
// per event id; a `reset` event or a gap refetches the tree.
import { addBlock, emptyTree, type TreeState } from './model/tree.js';

export interface Status {
  readonly height: number;
  readonly tipHash: string;
  readonly chainWork: string;
  readonly stateDigest: string;
  readonly peers: number;
  readonly mempool: number;
  readonly network: string;
}

export interface Peer {
  readonly peerId: string;
  readonly banned: boolean;
  readonly score: number;
  readonly direction: string;
}

export interface Tip {
  readonly hash: string;
  readonly height: number;
  readonly chainWork: string;
  readonly branchLength: number;
  readonly status: string;
}

export interface NodeState {
  readonly name: string;
  /** Prefix of this node's API routes ('' for the page's own origin). */
  readonly base: string;
  online: boolean;
  status?: Status;
  tip?: string;
  height: number;
  peers: Peer[];
  peerId?: string;
  mempool: string[];
  tips: Tip[];
}

export interface LogEntry {
  readonly id: string;
  readonly node: string;
  readonly event: string;
  readonly at: number;
  readonly text: string;
  /** For block events: the block's hash (the scrubber replays these). */
  readonly hash?: string;
}

interface BlockEvent {
  hash: string;
  height: number;
  txs: number;
  prevHash: string;
  chainWork: string;
  miner: string;
  receivedAt?: number;
  origin?: string;
  node?: string;
}

interface ReorgEvent {
  depth: number;
  oldTip: string;
  newTip: string;
  fork: string;
  forkHeight?: number;
  disconnected?: string[];
  connected?: string[];
  node?: string;
}

/** Blocks loaded below the tip when the page opens (older ones are summarised by the collapse). */
const LOAD_DEPTH = 5_000;
const LOG_MAX = 500;
const POLL_MS = 2_000;

export class Dashboard {
  mode: 'node' | 'devnet' = 'node';
  nodes: NodeState[] = [];
  tree: TreeState = emptyTree();
  /** hash → node → when that node first had it (unix ms). */
  readonly seen = new Map<string, Map<string, number>>();
  /** hash → the log position after which it exists (0: loaded at start), for the time scrubber. */
  readonly arrival = new Map<string, number>();
  /** miner address → node name, learnt from blocks a node mined itself. */
  readonly minerNode = new Map<string, string>();
  /** tx id → node → when it entered that node's mempool. */
  readonly txSeen = new Map<string, Map<string, number>>();
  log: LogEntry[] = [];
  private readonly logIds = new Set<string>();
  private logSeq = 0;
  banner: { text: string; at: number } | undefined;
  selected: string | undefined;
  /** The log position the scrubber shows; undefined = live. */
  scrub: number | undefined;
  connected = false;
  error: string | undefined;
  private source: EventSource | undefined;
  private lastEventId = '';
  private readonly listeners = new Set<() => void>();
  private scheduled = false;
  private poller: ReturnType<typeof setInterval> | undefined;
  private refetching: Promise<void> | undefined;

  constructor(private readonly origin: string = '') {}

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Re-renders at most once per animation frame, however many events arrive. */
  changed(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      for (const fn of this.listeners) fn();
    });
  }

  private async get<T>(path: string): Promise<T> {
    const res = await fetch(this.origin + path);
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  }

  async start(): Promise<void> {
    // A node answers GET / (as JSON) with kind "node"; the devnet aggregator answers /devnet/state.
    const own = await fetch(`${this.origin}/`, { headers: { accept: 'application/json' } })
      .then((r) => r.json() as Promise<{ kind?: string }>)
      .catch(() => undefined);
    if (own?.kind === 'node') {
      this.mode = 'node';
      this.nodes = [{ name: 'node', base: '', online: true, height: 0, peers: [], mempool: [], tips: [] }];
    } else {
      try {
        const state = await this.get<{ nodes: Record<string, unknown>[] }>('/devnet/state');
        this.mode = 'devnet';
        this.nodes = state.nodes.map((n, i) => nodeFrom(n, i));
      } catch (e) {
        this.error = `neither a node nor the devnet aggregator answers here: ${(e as Error).message}`;
        this.changed();
        return;
      }
    }
    await this.refetch();
    this.open();
    this.poller = setInterval(() => void this.poll(), POLL_MS);
  }

  stop(): void {
    this.source?.close();
    if (this.poller) clearInterval(this.poller);
  }

  /** Loads everything again: at start, after a `reset`, or when a block's parent is unknown. */
  refetch(): Promise<void> {
    this.refetching ??= this.refetchNow().finally(() => {
      this.refetching = undefined;
    });
    return this.refetching;
  }

  private async refetchNow(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.loadNode(n)));
    this.changed();
  }

  private async loadNode(n: NodeState): Promise<void> {
    try {
      const status = await this.get<Status>(`${n.base}/status`);
      n.status = status;
      n.online = true;
      n.tip = status.tipHash;
      n.height = status.height;
      let query = `from=${Math.max(0, status.height - LOAD_DEPTH)}&limit=1000`;
      for (let pages = 0; pages < 20; pages++) {
        const page = await this.get<{
          blocks: TreeBlockJson[];
          next: { from: number; after: string } | null;
        }>(`${n.base}/chain/tree?${query}`);
        for (const b of page.blocks) this.addTreeBlock(b, n.name, 0);
        if (!page.next) break;
        query = `from=${page.next.from}&after=${page.next.after}&limit=1000`;
      }
      await this.pollNode(n);
    } catch (e) {
      n.online = false;
      this.error = `${n.name}: ${(e as Error).message}`;
    }
  }

  private addTreeBlock(b: TreeBlockJson, node: string, at: number): void {
    addBlock(this.tree, {
      hash: b.hash,
      parent: b.parent,
      height: b.height,
      chainWork: BigInt(b.chainWork),
      miner: b.miner,
      ...(b.time !== undefined ? { time: b.time } : {}),
      ...(b.bits !== undefined ? { bits: b.bits } : {}),
      ...(b.txCount !== undefined ? { txCount: b.txCount } : {}),
    });
    if (!this.arrival.has(b.hash)) this.arrival.set(b.hash, at);
    if (b.receivedAt !== undefined) this.see(b.hash, node, b.receivedAt);
    if (b.origin === 'mined') this.minerNode.set(b.miner, node);
  }

  private see(hash: string, node: string, at: number): void {
    const m = this.seen.get(hash) ?? new Map<string, number>();
    this.seen.set(hash, m);
    if (!m.has(node)) m.set(node, at);
  }

  /** Status (state digest), tips, peers and mempool of each node; tips it lacks fetch the tree again. */
  private async poll(): Promise<void> {
    if (this.mode === 'devnet') {
      try {
        const state = await this.get<{ nodes: Record<string, unknown>[] }>('/devnet/state');
        for (const [i, raw] of state.nodes.entries()) {
          const fresh = nodeFrom(raw, i);
          const n = this.nodes.find((x) => x.name === fresh.name);
          if (n) n.online = fresh.online;
          else this.nodes.push(fresh);
        }
      } catch {
        // the aggregator is gone for a moment; the per-node calls tell which nodes still answer
      }
    }
    await Promise.all(this.nodes.map((n) => this.pollNode(n)));
    this.changed();
  }

  private async pollNode(n: NodeState): Promise<void> {
    try {
      const [status, tips, peers, mempool] = await Promise.all([
        this.get<Status>(`${n.base}/status`),
        this.get<Tip[]>(`${n.base}/chain/tips`),
        this.get<Peer[]>(`${n.base}/peers`).catch(() => [] as Peer[]),
        this.get<{ id: string }[]>(`${n.base}/mempool?limit=50`).catch(() => [] as { id: string }[]),
      ]);
      n.online = true;
      n.status = status;
      n.tip = status.tipHash;
      n.height = status.height;
      n.tips = tips;
      n.peers = peers;
      n.mempool = mempool.map((t) => t.id);
      if (tips.some((t) => !this.tree.blocks.has(t.hash) && t.status !== 'headers-only')) {
        const low = Math.min(...tips.map((t) => t.height - t.branchLength));
        await this.fetchTreeFrom(n, low);
      }
    } catch {
      n.online = false;
    }
  }

  private async fetchTreeFrom(n: NodeState, from: number): Promise<void> {
    const page = await this.get<{ blocks: TreeBlockJson[] }>(
      `${n.base}/chain/tree?from=${Math.max(0, from)}&limit=1000`,
    );
    for (const b of page.blocks) this.addTreeBlock(b, n.name, this.logSeq);
  }

  /** Opens the event stream, resuming after the last event seen (the server replays what was missed). */
  open(): void {
    this.source?.close();
    const path = this.mode === 'devnet' ? '/devnet/events' : '/events';
    const query = this.lastEventId ? `?lastEventId=${encodeURIComponent(this.lastEventId)}` : '';
    const es = new EventSource(this.origin + path + query);
    this.source = es;
    es.onopen = () => {
      this.connected = true;
      this.changed();
    };
    es.onerror = () => {
      this.connected = false; // EventSource reconnects by itself, sending Last-Event-ID
      this.changed();
    };
    const on = (event: string, fn: (data: never) => void) =>
      es.addEventListener(event, (e) => {
        const m = e as MessageEvent<string>;
        if (m.lastEventId) this.lastEventId = m.lastEventId;
        const data = JSON.parse(m.data) as { node?: string };
        const key = `${data.node ?? ''}/${m.lastEventId}`;
        if (m.lastEventId && this.logIds.has(key)) return; // already applied
        if (m.lastEventId) this.logIds.add(key);
        fn(data as never);
        this.changed();
      });
    on('block', (b: BlockEvent) => this.onBlock(b, this.lastEventId));
    on('reorg', (r: ReorgEvent) => this.onReorg(r, this.lastEventId));
    on('tx', (t: { id: string; node?: string; receivedAt?: number }) => {
      const node = t.node ?? this.nodes[0]?.name ?? 'node';
      const m = this.txSeen.get(t.id) ?? new Map<string, number>();
      this.txSeen.set(t.id, m);
      if (!m.has(node)) m.set(node, t.receivedAt ?? Date.now());
      const n = this.nodeNamed(node);
      if (n && !n.mempool.includes(t.id)) n.mempool = [t.id, ...n.mempool].slice(0, 50);
      this.addLog({
        id: this.lastEventId,
        node,
        event: 'tx',
        at: Date.now(),
        text: `tx ${t.id.slice(0, 10)}… entered the mempool`,
      });
    });
    on('reset', () => {
      this.addLog({
        id: this.lastEventId,
        node: '',
        event: 'reset',
        at: Date.now(),
        text: 'event stream reset: refetching',
      });
      void this.refetch();
    });
  }

  /** Drops the event stream (what a network blip does; the browser test uses it, then `open`). */
  disconnect(): void {
    this.source?.close();
    this.source = undefined;
    this.connected = false;
    this.changed();
  }

  private nodeNamed(name: string): NodeState | undefined {
    return this.nodes.find((n) => n.name === name);
  }

  private onBlock(b: BlockEvent, id: string): void {
    const node = b.node ?? this.nodes[0]?.name ?? 'node';
    const known = this.tree.blocks.has(b.prevHash) || b.height === 0;
    this.addTreeBlock(
      {
        hash: b.hash,
        parent: b.prevHash,
        height: b.height,
        chainWork: b.chainWork,
        miner: b.miner,
        txCount: b.txs,
        ...(b.origin ? { origin: b.origin } : {}),
      },
      node,
      this.logSeq + 1,
    );
    this.see(b.hash, node, b.receivedAt ?? Date.now());
    const n = this.nodeNamed(node);
    if (n) {
      n.tip = b.hash;
      n.height = b.height;
    }
    this.addLog({
      id,
      node,
      event: 'block',
      at: Date.now(),
      text: `block #${b.height} ${b.hash.slice(0, 10)}…${b.origin ? ` (${b.origin})` : ''}`,
      hash: b.hash,
    });
    if (!known) void this.refetch();
  }

  private onReorg(r: ReorgEvent, id: string): void {
    const node = r.node ?? this.nodes[0]?.name ?? 'node';
    for (const h of r.disconnected ?? []) this.tree.abandoned.add(h);
    for (const h of r.connected ?? []) this.tree.abandoned.delete(h);
    const text = `${node} reorged, depth ${r.depth}`;
    this.banner = { text, at: Date.now() };
    this.addLog({
      id,
      node,
      event: 'reorg',
      at: Date.now(),
      text: `${text}: fork at ${r.fork.slice(0, 10)}…, new tip ${r.newTip.slice(0, 10)}…`,
    });
  }

  private addLog(e: LogEntry): void {
    this.logSeq++;
    this.log.push(e);
    if (this.log.length > LOG_MAX) this.log.splice(0, this.log.length - LOG_MAX);
  }

  /** The log position of the newest entry (the scrubber's right end). */
  get logPosition(): number {
    return this.logSeq;
  }

  /** Is the block visible at the scrubber's position? */
  visible(hash: string): boolean {
    if (this.scrub === undefined) return true;
    return (this.arrival.get(hash) ?? 0) <= this.scrub;
  }

  select(hash: string | undefined): void {
    this.selected = hash;
    this.changed();
  }

  async action(name: string, body: Record<string, unknown>): Promise<string> {
    const res = await fetch(`${this.origin}/devnet/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    return res.ok ? `${name}: ok` : `${name}: HTTP ${res.status} ${text.slice(0, 200)}`;
  }

  baseOf(node: string | undefined): string {
    return (node && this.nodeNamed(node)?.base) ?? this.nodes[0]?.base ?? '';
  }
}

interface TreeBlockJson {
  hash: string;
  parent: string;
  height: number;
  chainWork: string;
  miner: string;
  time?: number;
  bits?: string;
  txCount?: number;
  receivedAt?: number;
  origin?: string;
}

/** A node of /devnet/state, read leniently: `name`, `base` (a same-origin prefix) or `url`, `running`. */
function nodeFrom(raw: Record<string, unknown>, i: number): NodeState {
  const name = typeof raw.name === 'string' ? raw.name : `node${i}`;
  const base =
    typeof raw.base === 'string'
      ? raw.base
      : typeof raw.proxy === 'string'
        ? raw.proxy
        : typeof raw.api === 'string'
          ? raw.api
          : typeof raw.url === 'string'
            ? raw.url
            : `/devnet/nodes/${name}`;
  const running = raw.running ?? raw.online ?? (raw.state === undefined ? true : raw.state === 'running');
  return {
    name,
    base: base.replace(/\/$/, ''),
    online: running !== false,
    height: 0,
    peers: [],
    mempool: [],
    tips: [],
    ...(typeof raw.peerId === 'string' ? { peerId: raw.peerId } : {}),
  };
}
