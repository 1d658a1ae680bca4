// GET /events: server-sent events (the WHATWG HTML "Server-sent events" section). Each client holds one
// long HTTP response, and every chain or mempool event is written to all of them as
//
//   id: k3x9-17
//   event: block
//   data: {"hash":"…","height":5,"txs":2,…}
//   <blank line>
//
// Every event has an `id:` (this stream's epoch, then a sequence number). A browser's EventSource sends
// the last id it saw as `Last-Event-ID` when it reconnects, and gets from a bounded replay buffer every
// event it missed, in order, with nothing twice. When the id is older than the buffer, or from another
// run of the node (another epoch), the client gets one `reset` event instead: refetch the state
// (/status, /chain/tips, /chain/tree) and carry on from the reset's id. `?topics=block,reorg` keeps only
// those topics (a `reset` is always sent).
//
// Bounded, because a teaching node must not fall over when a browser tab sleeps: a client that does not
// read lets its socket's write buffer grow with every event, so a client whose buffer passes
// `maxBufferedBytes` is dropped (an EventSource reconnects by itself when it wakes up, and replays), and
// at most `maxClients` connect at once. A comment line every `heartbeatMs` keeps proxies and idle timers
// from closing quiet connections and lets a client notice a dead node.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { IndexEntry } from '../chain/block-index.js';
import { encodeAddress } from '../consensus/address.js';
import { toHex } from '../consensus/bytes.js';
import { ApiError } from './errors.js';
import type { EventOrigin } from './services.js';

export interface EventStreamOptions {
  /** Interval of the keep-alive comment (default 15 s). */
  readonly heartbeatMs: number;
  /** A client whose unsent bytes would pass this is dropped (default 1 MiB). */
  readonly maxBufferedBytes: number;
  /** Concurrent clients (default 100); one more gets 503 UNAVAILABLE. */
  readonly maxClients: number;
  /** Events kept for clients that reconnect with Last-Event-ID (default 2,048). */
  readonly replayEvents: number;
  /** Bytes of events kept for replay (default 1 MiB); the oldest go first. */
  readonly replayBytes: number;
}

export const DEFAULT_EVENT_STREAM_OPTIONS: EventStreamOptions = Object.freeze({
  heartbeatMs: 15_000,
  maxBufferedBytes: 1024 * 1024,
  maxClients: 100,
  replayEvents: 2_048,
  replayBytes: 1024 * 1024,
});

/** The response headers of a stream (and of HEAD /events, which gets them and no stream). */
export const STREAM_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no', // tells nginx-style proxies not to hold events back
});

/**
 * The topics a client can ask for with `?topics=` (comma-separated): `block` (a block joined this node's
 * main chain), `block:stored` (a valid block stored on a side branch: a fork growing, not yet winning),
 * `reorg` (the main chain switched branches), `tx` (a tx entered the mempool).
 */
export const EVENT_TOPICS = ['block', 'block:stored', 'reorg', 'tx'] as const;
export type EventTopic = (typeof EVENT_TOPICS)[number];

/** How long an EventSource waits before reconnecting, sent once per connection (the `retry:` field). */
const RECONNECT_MS = 3_000;
/** After the last client leaves, events are still numbered and kept this long, so it can come back. */
const KEEP_WHILE_AWAY_MS = 60_000;
/** A reorg event lists at most this many disconnected and connected hashes (the depth says the rest). */
export const REORG_HASHES_MAX = 64;
/** A reorg event lists at most this many returned tx ids (`returnedTxCount` says how many there were). */
export const REORG_TXS_MAX = 256;

interface Buffered {
  readonly seq: number;
  readonly event: string;
  readonly chunk: string;
}

export interface AcceptOptions {
  /** The `Last-Event-ID` request header, when the client is resuming. */
  readonly lastEventId?: string;
  /** Only these topics (undefined: all). */
  readonly topics?: ReadonlySet<string>;
}

/** Parses `?topics=block,reorg`; an unknown topic is 400 BAD_REQUEST, naming it. */
export function parseTopics(text: string | undefined): ReadonlySet<string> | undefined {
  if (text === undefined || text === '') return undefined;
  const topics = new Set(text.split(',').map((t) => t.trim()));
  for (const t of topics) {
    if (!(EVENT_TOPICS as readonly string[]).includes(t)) {
      throw new ApiError(
        400,
        'BAD_REQUEST',
        `unknown event topic "${t}": the topics are ${EVENT_TOPICS.join(', ')}`,
      );
    }
  }
  return topics;
}

export class EventStream {
  private readonly clients = new Map<ServerResponse, ReadonlySet<string> | undefined>();
  private heartbeat: NodeJS.Timeout | undefined;
  /** Distinguishes this run's ids from a previous run's (a restarted node starts counting again). */
  readonly epoch: string;
  private seq = 0;
  private readonly replay: Buffered[] = [];
  private replayHead = 0;
  private replayBytes = 0;
  private lastLeft = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly opts: EventStreamOptions,
    private readonly log?: FastifyBaseLogger,
    epoch: string = Date.now().toString(36),
  ) {
    this.epoch = epoch;
  }

  get size(): number {
    return this.clients.size;
  }

  get full(): boolean {
    return this.clients.size >= this.opts.maxClients;
  }

  /** The id of the newest event (what a client that has seen everything would send back). */
  get lastId(): string {
    return `${this.epoch}-${this.seq}`;
  }

  /**
   * Whether events are worth building now: someone listens, or left recently enough to come back for
   * them. (At thousands of txs a second the caller skips the hex and JSON otherwise.)
   */
  get active(): boolean {
    return this.clients.size > 0 || Date.now() - this.lastLeft < KEEP_WHILE_AWAY_MS;
  }

  /** Takes over a raw response (the route has hijacked it) and keeps it until the client leaves. */
  accept(req: IncomingMessage, res: ServerResponse, opts: AcceptOptions = {}): void {
    res.writeHead(200, { ...STREAM_HEADERS, connection: 'keep-alive' });
    res.write(`retry: ${RECONNECT_MS}\n: connected\n\n`);
    // Replay before joining: nothing can be broadcast between the two (one thread), so the client gets
    // the missed events and then the live ones, in order, none twice.
    if (opts.lastEventId !== undefined) this.resume(res, opts.lastEventId, opts.topics);
    this.clients.set(res, opts.topics);
    const leave = () => this.remove(res);
    req.socket.once('close', leave);
    res.once('close', leave);
    if (!this.heartbeat) {
      this.heartbeat = setInterval(() => this.sendAll(': heartbeat\n\n'), this.opts.heartbeatMs);
      this.heartbeat.unref(); // an open event stream must not keep a stopping process alive
    }
  }

  private resume(res: ServerResponse, lastEventId: string, topics: ReadonlySet<string> | undefined): void {
    const m = /^([0-9a-z]+)-([0-9]+)$/.exec(lastEventId.trim());
    const seq = m ? Number(m[2]) : Number.NaN;
    const oldest = this.replay[this.replayHead]?.seq ?? this.seq + 1;
    let reason: string | undefined;
    if (!m || m[1] !== this.epoch) reason = 'the node restarted since that event id';
    else if (seq > this.seq) reason = 'that event id is newer than this stream';
    else if (seq < oldest - 1) reason = 'that event id is older than the replay buffer';
    if (reason !== undefined) {
      const data = JSON.stringify({ reason, lastEventId: this.lastId });
      res.write(`id: ${this.lastId}\nevent: reset\ndata: ${data}\n\n`);
      return;
    }
    for (let i = this.replayHead; i < this.replay.length; i++) {
      const b = this.replay[i]!;
      if (b.seq > seq && (topics === undefined || topics.has(b.event))) res.write(b.chunk);
    }
  }

  /** Sends one event to every client. `data` is JSON on one line (JSON.stringify emits no newlines). */
  broadcast(event: string, data: unknown): void {
    this.seq++;
    if (!this.active) {
      // Nobody to send it to, and nobody coming back soon: number it (so a late resume sees the gap and
      // gets a reset) but keep nothing.
      this.replayHead = this.replay.length;
      this.replayBytes = 0;
      return;
    }
    const chunk = `id: ${this.epoch}-${this.seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    this.keep({ seq: this.seq, event, chunk });
    for (const [res, topics] of this.clients) {
      if (topics === undefined || topics.has(event)) this.write(res, chunk);
    }
  }

  /** Appends to the replay ring, dropping the oldest past either bound. */
  private keep(b: Buffered): void {
    this.replay.push(b);
    this.replayBytes += b.chunk.length;
    while (
      this.replay.length - this.replayHead > this.opts.replayEvents ||
      (this.replayBytes > this.opts.replayBytes && this.replay.length - this.replayHead > 1)
    ) {
      this.replayBytes -= this.replay[this.replayHead]!.chunk.length;
      this.replayHead++;
    }
    // Compact now and then instead of shifting on every event (Array#shift is O(n)).
    if (this.replayHead > 1024 && this.replayHead * 2 > this.replay.length) {
      this.replay.splice(0, this.replayHead);
      this.replayHead = 0;
    }
  }

  private sendAll(chunk: string): void {
    for (const res of this.clients.keys()) this.write(res, chunk);
  }

  private write(res: ServerResponse, chunk: string): void {
    // writableLength: bytes queued in the stream that the kernel has not taken yet.
    if (res.writableLength + chunk.length > this.opts.maxBufferedBytes) {
      this.log?.warn(
        { buffered: res.writableLength },
        'dropping a server-sent-events client that does not read',
      );
      this.remove(res);
      res.destroy();
      return;
    }
    res.write(chunk);
  }

  private remove(res: ServerResponse): void {
    if (!this.clients.delete(res)) return;
    this.lastLeft = Date.now();
    if (this.clients.size === 0 && this.heartbeat) {
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
    }
  }

  /** Ends every stream (the server is closing: open responses would keep it from finishing). */
  close(): void {
    for (const res of [...this.clients.keys()]) {
      this.remove(res);
      res.end();
    }
  }
}

// --- Payloads ------------------------------------------------------------------------------------------

/**
 * The origin fields an event has, and no others (an absent field stays absent in the JSON): where a
 * block or tx came from, when the service's event carries it (src/chain/origin.ts, flat fields).
 */
export function originFields(e: EventOrigin | undefined): EventOrigin {
  if (e === undefined) return {};
  const out: { -readonly [K in keyof EventOrigin]: EventOrigin[K] } = {};
  if (e.origin !== undefined) out.origin = e.origin;
  if (e.peer !== undefined) out.peer = e.peer;
  if (e.receivedAt !== undefined) out.receivedAt = e.receivedAt;
  return out;
}

/**
 * A `block` event (and a `block:stored` one, same fields): enough to place the block in a tree without
 * asking (parent, work, miner).
 */
export function blockEventData(b: { entry: IndexEntry; ids: readonly unknown[] } & EventOrigin, hrp: string) {
  const h = b.entry.header;
  return {
    hash: b.entry.hex,
    height: h.height,
    txs: b.ids.length,
    prevHash: toHex(h.prevHash),
    chainWork: b.entry.chainWork.toString(),
    miner: encodeAddress(h.miner, hrp),
    ...originFields(b),
  };
}

/** The hashes from `tip` back to (not including) `fork`, oldest first, at most REORG_HASHES_MAX. */
function branchHashes(tip: IndexEntry, fork: IndexEntry): string[] {
  const out: string[] = [];
  for (let e: IndexEntry | undefined = tip; e && e !== fork; e = e.parent) out.push(e.hex);
  return out.reverse().slice(0, REORG_HASHES_MAX);
}

/**
 * A `reorg` event: the fork point, the depth (blocks disconnected), which blocks left and joined the
 * main chain, and the txs of the abandoned blocks that the new branch does not include: they go back to
 * the mempool (Core: MaybeUpdateMempoolForReorg; the mempool may still refuse some, and its `tx` events
 * with origin `reorg` are the ones it took). Core logs the rest as "UpdateTip … reorganize" lines; it has
 * no event for it.
 */
export function reorgEventData(r: {
  depth: number;
  oldTip: IndexEntry;
  newTip: IndexEntry;
  fork: IndexEntry;
  returnedTxs?: readonly Uint8Array[];
}) {
  const returned = r.returnedTxs ?? [];
  return {
    depth: r.depth,
    oldTip: r.oldTip.hex,
    newTip: r.newTip.hex,
    fork: r.fork.hex,
    forkHeight: r.fork.header.height,
    disconnected: branchHashes(r.oldTip, r.fork),
    connected: branchHashes(r.newTip, r.fork),
    returnedTxs: returned.slice(0, REORG_TXS_MAX).map(toHex),
    returnedTxCount: returned.length,
  };
}
