// The dashboard's state and where it comes from. Two sources, one model:
//   - one node (same origin): /status, /chain/tips, /chain/tree, /peers, /mempool and /events;
//   - the devnet aggregator, found by GET /devnet/state: the same routes per node under each node's
//     `base` (a same-origin proxy), and one merged stream at /devnet/events whose events wrap each node's
//     event as {"node", "id", "data"}, plus the aggregator's own `node` (up/down) and `partition` events.
// Events are applied to the tree (keyed by hash, so a replayed event changes nothing) and logged once
// per (node, event id); a `reset` event or a block whose parent is unknown refetches the tree.

import { type EventMark, isNewer, parseEventId } from './model/event-ids.js';
import { type AttackLogEvent, attackLogText } from './model/format.js';
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
  /** Its position in the log (set by the log): a stable key for the view. */
  seq?: number;
}

/** One step of a transfer's path: submitted → gossiped → mined → (reorged out → back) → confirmed. */
export interface TxStep {
  readonly kind: 'submitted' | 'gossiped' | 'mined' | 'reorged out' | 'back in the mempool' | 'confirmed';
  readonly node: string;
  readonly at: number;
  readonly text: string;
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
}

interface ReorgEvent {
  depth: number;
  oldTip: string;
  newTip: string;
  fork: string;
  forkHeight?: number;
  disconnected?: string[];
  connected?: string[];
  returnedTxs?: string[];
  returnedTxCount?: number;
}

interface TxEvent {
  id: string;
  origin?: string;
  receivedAt?: number;
}

interface TxJson {
  status: 'pending' | 'confirmed';
  blockHash?: string;
  height?: number;
  confirmations?: number;
}

/** Blocks loaded below the tip when the page opens (older ones are summarised by the collapse). */
const LOAD_DEPTH = 5_000;
const LOG_MAX = 500;
const POLL_MS = 2_000;
/** The slow views (log, propagation, mempools, network, inspector) render at most this often. */
const SLOW_MS = 250;
/** Transfers whose path is remembered (the newest; a busy devnet sends hundreds a second). */
const JOURNEYS_MAX = 2_000;
/** A transfer counts as confirmed after this many blocks on top (1 = in the tip block). */
const CONFIRMED_AFTER = 3;
/** The node events the aggregator wraps as {node, id, data}. */
const NODE_EVENTS = ['block', 'block:stored', 'reorg', 'tx', 'reset'] as const;

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
  /** tx id → its path so far. */
  readonly journeys = new Map<string, TxStep[]>();
  /** The transfer the mempool view follows. */
  followed: string | undefined;
  /** The groups of the devnet's partition (from the aggregator), or null. */
  partition: string[][] | null = null;
  log: LogEntry[] = [];
  /** Per source ('' for the aggregator's own events): the newest event id applied (model/event-ids.ts). */
  private readonly applied = new Map<string, EventMark>();
  private logSeq = 0;
  banner: { text: string; at: number; node: string; depth: number } | undefined;
  selected: string | undefined;
  /** The log position the scrubber shows; undefined = live. */
  scrub: number | undefined;
  private player: ReturnType<typeof setInterval> | undefined;
  connected = false;
  error: string | undefined;
  private source: EventSource | undefined;
  private lastEventId = '';
  private readonly listeners = new Set<() => void>();
  private scheduled = false;
  /** Bumped when the slow views may render again (see `changed`). */
  slow = 0;
  private slowAt = Number.NEGATIVE_INFINITY;
  private slowDue = false;
  private slowTimer: ReturnType<typeof setTimeout> | undefined;
  private poller: ReturnType<typeof setInterval> | undefined;
  private refetching: Promise<void> | undefined;

  constructor(private readonly origin: string = '') {}

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Re-renders at most once per animation frame, however many events arrive. The block tree and the
   * consensus bar follow every frame; the other views (`slow`) at most every SLOW_MS, so that hundreds of
   * tx events a second do not re-lay the whole page sixty times a second. `now` (a learner's click)
   * updates every view at the next frame.
   */
  changed(now = false): void {
    if (now) this.slowDue = true;
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      const t = performance.now();
      if (this.slowDue || t - this.slowAt >= SLOW_MS) {
        this.slow++;
        this.slowAt = t;
        this.slowDue = false;
        clearTimeout(this.slowTimer);
      } else {
        // The last change still reaches the slow views, SLOW_MS later at most.
        clearTimeout(this.slowTimer);
        this.slowTimer = setTimeout(() => this.changed(true), SLOW_MS);
      }
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
        const state = await this.get<DevnetStateJson>('/devnet/state');
        this.mode = 'devnet';
        this.nodes = state.nodes.map((n, i) => nodeFrom(n, i));
        this.partition = state.partition ?? null;
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
    if (this.player) clearInterval(this.player);
  }

  /** Loads everything again: at start, after a `reset`, or when a block's parent is unknown. */
  refetch(): Promise<void> {
    this.refetching ??= this.refetchNow().finally(() => {
      this.refetching = undefined;
    });
    return this.refetching;
  }

  private async refetchNow(): Promise<void> {
    await Promise.all(this.nodes.filter((n) => n.online).map((n) => this.loadNode(n)));
    if (this.mode === 'devnet') await this.poll();
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
      if (this.mode === 'node') await this.pollNode(n);
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

  /**
   * Status (state digest), tips, peers and mempool of each node; tips it lacks fetch the tree again. On
   * the devnet, one GET /devnet/snapshot answers for every node, and names the ones that are down.
   */
  private async poll(): Promise<void> {
    if (this.mode === 'devnet') {
      try {
        const snap = await this.get<SnapshotJson>('/devnet/snapshot');
        this.partition = snap.partition ?? null;
        await Promise.all(
          snap.nodes.map(async (raw, i) => {
            let n = this.nodeNamed(raw.name);
            if (!n) {
              n = nodeFrom({ name: raw.name }, i);
              this.nodes.push(n);
            }
            if (raw.error !== undefined || !raw.status || !raw.tips) {
              n.online = false;
              return;
            }
            this.applyNodeView(n, raw.status, raw.tips, raw.peers ?? [], raw.mempool ?? []);
            await this.fetchMissing(n, raw.tips);
          }),
        );
      } catch {
        // the aggregator is gone for a moment: the next poll tries again
      }
    } else {
      await Promise.all(this.nodes.map((n) => this.pollNode(n)));
    }
    if (this.followed) await this.trackTx(this.followed);
    this.changed();
  }

  private applyNodeView(n: NodeState, status: Status, tips: Tip[], peers: Peer[], mempool: string[]): void {
    n.online = true;
    n.status = status;
    n.tip = status.tipHash;
    n.height = status.height;
    n.tips = tips;
    n.peers = peers;
    n.mempool = mempool;
  }

  /** A tip the tree lacks (an event missed while a node was away): fetch the tree above its fork. */
  private async fetchMissing(n: NodeState, tips: Tip[]): Promise<void> {
    if (tips.some((t) => !this.tree.blocks.has(t.hash) && t.status !== 'headers-only')) {
      const low = Math.min(...tips.map((t) => t.height - t.branchLength));
      await this.fetchTreeFrom(n, low).catch(() => undefined);
    }
  }

  private async pollNode(n: NodeState): Promise<void> {
    try {
      const [status, tips, peers, mempool] = await Promise.all([
        this.get<Status>(`${n.base}/status`),
        this.get<Tip[]>(`${n.base}/chain/tips`),
        this.get<Peer[]>(`${n.base}/peers`).catch(() => [] as Peer[]),
        this.get<{ id: string }[]>(`${n.base}/mempool?limit=50`).catch(() => [] as { id: string }[]),
      ]);
      this.applyNodeView(
        n,
        status,
        tips,
        peers,
        mempool.map((t) => t.id),
      );
      await this.fetchMissing(n, tips);
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
    for (const name of NODE_EVENTS) {
      this.listen(es, name, (m) => {
        const raw = JSON.parse(m.data) as unknown;
        // From the aggregator: {node, id, data}; from a node: the payload itself.
        const wrapped =
          this.mode === 'devnet' ? (raw as { node: string; id?: string; data: unknown }) : undefined;
        const node = wrapped?.node ?? this.nodes[0]?.name ?? 'node';
        const id = (wrapped ? wrapped.id : m.lastEventId) ?? m.lastEventId;
        if (!this.firstSeen(node, id)) return;
        this.apply(name, node, id ?? '', (wrapped ? wrapped.data : raw) as never);
        this.changed();
      });
    }
    // The aggregator's own events (devnet): a node's stream came up or went down; a partition.
    this.listen(es, 'node', (m) => {
      const { node, up } = JSON.parse(m.data) as { node: string; up: boolean };
      const n = this.nodeNamed(node);
      if (!n) return;
      const was = n.online;
      n.online = up;
      if (up && !was) void this.loadNode(n).then(() => this.changed()); // back: catch up on what it missed
      this.changed();
    });
    // An attack scenario's narration (npm run devnet -- attack NAME), one log line per step.
    this.listen(es, 'attack', (m) => {
      if (!this.firstSeen('', m.lastEventId)) return;
      const a = JSON.parse(m.data) as AttackLogEvent & { at: number };
      this.addLog({ id: m.lastEventId, node: '', event: 'attack', at: a.at, text: attackLogText(a) });
      this.changed();
    });
    this.listen(es, 'partition', (m) => {
      if (!this.firstSeen('', m.lastEventId)) return;
      const { groups } = JSON.parse(m.data) as { groups: string[][] | null };
      this.partition = groups;
      this.addLog({
        id: m.lastEventId,
        node: '',
        event: 'partition',
        at: Date.now(),
        text: groups ? `partitioned: ${groups.map((g) => `{${g.join(', ')}}`).join(' | ')}` : 'healed',
      });
      this.changed();
    });
  }

  /** Listens for `name`, remembering each event's id first (the resume point for `open`). */
  private listen(es: EventSource, name: string, fn: (m: MessageEvent<string>) => void): void {
    es.addEventListener(name, (e) => {
      const m = e as MessageEvent<string>;
      if (m.lastEventId) this.lastEventId = m.lastEventId;
      fn(m);
    });
  }

  /**
   * False when the event `id` from `node` ('' for the aggregator's own) was already applied (a replay
   * overlapping what we had); otherwise remembers it. An event without an id of the stream's form is
   * always new.
   */
  private firstSeen(node: string, id: string | undefined): boolean {
    const mark = id ? parseEventId(id) : undefined;
    if (!mark) return true;
    if (!isNewer(this.applied.get(node), mark)) return false;
    this.applied.set(node, mark);
    return true;
  }

  private apply(event: (typeof NODE_EVENTS)[number], node: string, id: string, data: never): void {
    if (event === 'block') this.onBlock(data as BlockEvent, node, id, true);
    else if (event === 'block:stored') this.onBlock(data as BlockEvent, node, id, false);
    else if (event === 'reorg') this.onReorg(data as ReorgEvent, node, id);
    else if (event === 'tx') this.onTx(data as TxEvent, node, id);
    else {
      this.addLog({ id, node, event: 'reset', at: Date.now(), text: 'event stream reset: refetching' });
      const n = this.mode === 'devnet' ? this.nodeNamed(node) : undefined;
      void (n ? this.loadNode(n).then(() => this.changed()) : this.refetch());
    }
  }

  /** Drops the event stream (what a network blip does; the browser test uses it, then `open`). */
  disconnect(): void {
    this.source?.close();
    this.source = undefined;
    this.connected = false;
    this.changed();
  }

  nodeNamed(name: string): NodeState | undefined {
    return this.nodes.find((n) => n.name === name);
  }

  /** A block event: `connected` = it joined that node's main chain (else it was stored on a side branch). */
  private onBlock(b: BlockEvent, node: string, id: string, connected: boolean): void {
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
    if (n && connected) {
      n.tip = b.hash;
      n.height = b.height;
    }
    this.addLog({
      id,
      node,
      event: connected ? 'block' : 'block:stored',
      at: Date.now(),
      text: `${connected ? 'block' : 'side-branch block'} #${b.height} ${b.hash.slice(0, 10)}…${b.origin ? ` (${b.origin})` : ''}`,
      hash: b.hash,
    });
    if (!known) void this.refetch();
  }

  private onReorg(r: ReorgEvent, node: string, id: string): void {
    for (const h of r.disconnected ?? []) this.tree.abandoned.add(h);
    for (const h of r.connected ?? []) this.tree.abandoned.delete(h);
    const n = this.nodeNamed(node);
    if (n) {
      n.tip = r.newTip;
      const tip = this.tree.blocks.get(r.newTip);
      if (tip) n.height = tip.height;
    }
    const text = `${node} reorged, depth ${r.depth}`;
    this.banner = { text, at: Date.now(), node, depth: r.depth };
    const returned = r.returnedTxs ?? [];
    for (const tx of returned) {
      this.reorgedOut(tx, {
        kind: 'reorged out',
        node,
        at: Date.now(),
        text: `its block left ${node}'s main chain (reorg, depth ${r.depth})`,
      });
    }
    const count = r.returnedTxCount ?? returned.length;
    this.addLog({
      id,
      node,
      event: 'reorg',
      at: Date.now(),
      text: `${text}: fork at #${r.forkHeight ?? '?'} ${r.fork.slice(0, 10)}…, new tip ${r.newTip.slice(0, 10)}…${count ? `, ${count} tx${count === 1 ? '' : 's'} back to the mempool` : ''}`,
    });
  }

  private onTx(t: TxEvent, node: string, id: string): void {
    const n = this.nodeNamed(node);
    if (n && !n.mempool.includes(t.id)) n.mempool = [t.id, ...n.mempool].slice(0, 50);
    const at = t.receivedAt ?? Date.now();
    if (t.origin === 'reorg') {
      this.step(t.id, { kind: 'back in the mempool', node, at, text: `back in ${node}'s mempool` });
    } else if (t.origin === 'api') {
      this.step(t.id, { kind: 'submitted', node, at, text: `submitted to ${node}` });
    } else {
      this.step(t.id, { kind: 'gossiped', node, at, text: `gossiped to ${node}` });
    }
    this.addLog({
      id,
      node,
      event: 'tx',
      at: Date.now(),
      text: `tx ${t.id.slice(0, 10)}… entered the mempool`,
    });
  }

  /** Appends a step to a transfer's path (a step of the same kind on the same node, once). */
  private step(tx: string, s: TxStep): void {
    let j = this.journeys.get(tx);
    if (!j) {
      j = [];
      this.journeys.set(tx, j);
      if (this.journeys.size > JOURNEYS_MAX) this.journeys.delete(this.journeys.keys().next().value!);
    }
    const last = j.findLast((x) => x.node === s.node);
    if (last?.kind === s.kind) return;
    j.push(s);
  }

  /**
   * A node's reorg took the transfer's block off its main chain. The node announces the reorg once the
   * switch is complete, after the transfer's own `tx` event (origin reorg) put it back in its mempool: the
   * step goes before that one, in the order it happened.
   */
  private reorgedOut(tx: string, s: TxStep): void {
    const j = this.journeys.get(tx);
    const last = j?.findLast((x) => x.node === s.node);
    if (j && last?.kind === 'back in the mempool') {
      const before = j.findLast((x) => x.node === s.node && x.kind !== 'back in the mempool');
      if (before?.kind !== 'reorged out') j.splice(j.lastIndexOf(last), 0, { ...s, at: last.at });
      return;
    }
    this.step(tx, s);
  }

  /** Follows one transfer: asks each node where it is (pending, or in which block) now and at every poll. */
  follow(tx: string | undefined): void {
    this.followed = tx;
    this.changed(true);
    if (tx) void this.trackTx(tx).then(() => this.changed(true));
  }

  private async trackTx(tx: string): Promise<void> {
    // Only the nodes that have had it: the others would answer 404 (and a browser logs every 404).
    const had = new Set((this.journeys.get(tx) ?? []).map((s) => s.node));
    await Promise.all(
      this.nodes
        .filter((n) => n.online && had.has(n.name))
        .map(async (n) => {
          let t: TxJson | undefined;
          try {
            t = await this.get<TxJson>(`${n.base}/txs/${tx}`);
          } catch {
            return; // unknown to that node (404), or the node is down
          }
          const j = this.journeys.get(tx) ?? [];
          const last = j.findLast((x) => x.node === n.name);
          if (t.status === 'confirmed' && t.blockHash) {
            if (last?.kind !== 'mined' && last?.kind !== 'confirmed') {
              this.step(tx, {
                kind: 'mined',
                node: n.name,
                at: Date.now(),
                text: `mined in #${t.height} ${t.blockHash.slice(0, 10)}… (on ${n.name}'s main chain)`,
              });
            }
            if ((t.confirmations ?? 0) >= CONFIRMED_AFTER) {
              this.step(tx, {
                kind: 'confirmed',
                node: n.name,
                at: Date.now(),
                text: `confirmed on ${n.name}: ${t.confirmations} blocks deep`,
              });
            }
          } else if (last?.kind === 'mined' || last?.kind === 'confirmed') {
            // Pending again: its block left this node's main chain (the reorg event says so too).
            this.step(tx, {
              kind: 'reorged out',
              node: n.name,
              at: Date.now(),
              text: `reorged out on ${n.name}`,
            });
          }
        }),
    );
  }

  private addLog(e: LogEntry): void {
    this.logSeq++;
    e.seq = this.logSeq;
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

  /** Playback: replays the log from its oldest entry to live, one event per tick. */
  play(): void {
    if (this.player) clearInterval(this.player);
    const first = this.logSeq - this.log.length;
    this.scrub = first;
    this.player = setInterval(() => {
      this.scrub = (this.scrub ?? first) + 1;
      if (this.scrub >= this.logSeq) {
        this.scrub = undefined;
        clearInterval(this.player);
        this.player = undefined;
      }
      this.changed(true);
    }, 150);
    this.changed(true);
  }

  get playing(): boolean {
    return this.player !== undefined;
  }

  /** Moves the scrubber by hand (stops a playback). */
  scrubTo(position: number | undefined): void {
    if (this.player) clearInterval(this.player);
    this.player = undefined;
    this.scrub = position;
    this.changed(true);
  }

  select(hash: string | undefined): void {
    this.selected = hash;
    this.changed(true);
  }

  /** POSTs a devnet control to the aggregator; resolves with a line saying how it went. */
  async action(path: string, body: Record<string, unknown>, label = path): Promise<string> {
    const res = await fetch(`${this.origin}/devnet/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
    if (res.ok) {
      void this.poll();
      return `${label}: done`;
    }
    return `${label}: refused (HTTP ${res.status}) ${json.error?.message ?? ''}`.trim();
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

/** GET /devnet/snapshot: each node's own view, or why it has none. */
interface SnapshotJson {
  partition?: string[][] | null;
  nodes: {
    name: string;
    running: boolean;
    up: boolean;
    error?: string;
    status?: Status;
    tips?: Tip[];
    peers?: Peer[];
    mempool?: string[];
  }[];
}

interface DevnetStateJson {
  nodes: Record<string, unknown>[];
  partition?: string[][] | null;
}

/** A node of /devnet/state: `name`, `base` (the same-origin prefix the aggregator proxies), `running`. */
function nodeFrom(raw: Record<string, unknown>, i: number): NodeState {
  const name = typeof raw.name === 'string' ? raw.name : `node${i}`;
  const base = typeof raw.base === 'string' ? raw.base : `/devnet/nodes/${name}/api`;
  return {
    name,
    base: base.replace(/\/$/, ''),
    // Running (the supervisor has its process) and up (its event stream answers), when the state says.
    online: raw.running !== false && raw.up !== false,
    height: 0,
    peers: [],
    mempool: [],
    tips: [],
    ...(typeof raw.peerId === 'string' ? { peerId: raw.peerId } : {}),
  };
}
