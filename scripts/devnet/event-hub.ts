// One server-sent-events stream of the whole devnet (GET /devnet/events on the supervisor). A browser
// opens at most 6 connections to one host, so a dashboard cannot hold one EventSource per node; the hub
// holds one stream to each node's GET /events instead and re-sends every event to its own clients, tagged
// with the node it came from and the node's own event id:
//
//   id: lq3k2x-17
//   event: block
//   data: {"node":"node1","id":"m0k1-42","data":{…the node's own payload…}}
//
// and tells them when a node's stream comes up or goes down (`event: node`, {"node","up"}) and when the
// devnet is split or healed (`event: partition`, {"groups"}). A dropped node stream is retried with a
// bounded exponential backoff (RECONNECT_MIN_MS doubling to RECONNECT_MAX_MS), and the retry carries
// Last-Event-ID so the node replays what the hub missed (WHATWG HTML, "Server-sent events": the same thing
// an EventSource does); a node that restarted answers with a `reset`, which is passed on like any event.
//
// The hub's own stream is the node's EventStream (src/api/events.ts) reused: every merged event gets an id
// of the hub's, a client that reconnects with Last-Event-ID (or ?lastEventId=) gets what it missed from a
// bounded replay buffer, or one `reset` when that is too old; slow clients are dropped, and at most
// `maxClients` connect, so a tab that does not read cannot make the supervisor buffer without bound.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EventStream } from '../../src/api/events.js';

export interface NodeStream {
  readonly name: string;
  /** The node's event stream, e.g. http://127.0.0.1:8645/events. */
  readonly url: string;
}

export interface EventHubOptions {
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  readonly heartbeatMs: number;
  readonly maxBufferedBytes: number;
  readonly maxClients: number;
  /** Merged events kept for clients that reconnect with Last-Event-ID (default 4,096: every node's). */
  readonly replayEvents?: number;
  /** Bytes of merged events kept for replay (default 2 MiB). */
  readonly replayBytes?: number;
}

export const DEFAULT_EVENT_HUB_OPTIONS: EventHubOptions = Object.freeze({
  reconnectMinMs: 250,
  reconnectMaxMs: 5_000,
  heartbeatMs: 15_000,
  maxBufferedBytes: 1024 * 1024,
  maxClients: 50,
  replayEvents: 4_096,
  replayBytes: 2 * 1024 * 1024,
});

/** One parsed server-sent event (the fields this hub uses). */
export interface ParsedEvent {
  readonly event: string;
  readonly data: string;
  readonly id: string | undefined;
}

/**
 * Feeds text into an incremental SSE parser; calls `onEvent` for each complete event. Comment lines
 * (": …") and `retry:` are skipped; several `data:` lines join with "\n"; an event with no data is
 * not dispatched (all per the WHATWG event-stream interpretation rules).
 */
export function sseParser(onEvent: (e: ParsedEvent) => void): (chunk: string) => void {
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id: string | undefined;
  return (chunk) => {
    buffer += chunk;
    for (;;) {
      const nl = buffer.search(/\r\n|\r|\n/);
      if (nl < 0) return;
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1));
      if (line === '') {
        if (data.length > 0) onEvent({ event: event || 'message', data: data.join('\n'), id });
        event = '';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id' && !value.includes('\0')) id = value;
    }
  };
}

interface SourceState {
  readonly source: NodeStream;
  up: boolean;
  lastId: string | undefined;
  backoffMs: number;
  abort: AbortController | undefined;
  timer: NodeJS.Timeout | undefined;
}

export class EventHub {
  private readonly sources = new Map<string, SourceState>();
  private readonly stream: EventStream;
  private closed = false;

  constructor(
    sources: readonly NodeStream[],
    private readonly opts: EventHubOptions = DEFAULT_EVENT_HUB_OPTIONS,
  ) {
    this.stream = new EventStream({
      heartbeatMs: opts.heartbeatMs,
      maxBufferedBytes: opts.maxBufferedBytes,
      maxClients: opts.maxClients,
      replayEvents: opts.replayEvents ?? DEFAULT_EVENT_HUB_OPTIONS.replayEvents!,
      replayBytes: opts.replayBytes ?? DEFAULT_EVENT_HUB_OPTIONS.replayBytes!,
    });
    for (const source of sources) {
      this.sources.set(source.name, {
        source,
        up: false,
        lastId: undefined,
        backoffMs: opts.reconnectMinMs,
        abort: undefined,
        timer: undefined,
      });
    }
  }

  /** Connects to every source (and keeps reconnecting until close). */
  start(): void {
    for (const s of this.sources.values()) void this.connect(s);
  }

  /** Whether the stream of node `name` is connected now. */
  isUp(name: string): boolean {
    return this.sources.get(name)?.up ?? false;
  }

  get clientCount(): number {
    return this.stream.size;
  }

  /** Retry `name` now instead of after its backoff (the supervisor just started it). */
  reconnectNow(name: string): void {
    const s = this.sources.get(name);
    if (!s || s.up || this.closed) return;
    clearTimeout(s.timer);
    s.backoffMs = this.opts.reconnectMinMs;
    s.abort?.abort();
    void this.connect(s);
  }

  /** Sends an event of the hub's own (e.g. `partition`) to every client, with an id of the hub's. */
  publish(event: string, data: unknown): void {
    this.stream.broadcast(event, data);
  }

  /**
   * Takes over a response as one more client of the merged stream, resuming after its Last-Event-ID
   * header or `?lastEventId=` when it has one. Refuses (503) past maxClients.
   */
  accept(req: IncomingMessage, res: ServerResponse): void {
    if (this.stream.full) {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '5' });
      res.end(JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'too many event-stream clients' } }));
      return;
    }
    const header = req.headers['last-event-id'];
    const query = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('lastEventId');
    const lastEventId = typeof header === 'string' ? header : (query ?? undefined);
    this.stream.accept(req, res, lastEventId === undefined ? {} : { lastEventId });
    // Where every node stands right now, so a new client need not wait for a change (no id: these
    // describe the present, and are sent again on every connection).
    let hello = '';
    for (const s of this.sources.values())
      hello += `event: node\ndata: ${JSON.stringify({ node: s.source.name, up: s.up })}\n\n`;
    res.write(hello);
  }

  /** Stops every source and ends every client stream. */
  close(): void {
    this.closed = true;
    for (const s of this.sources.values()) {
      clearTimeout(s.timer);
      s.abort?.abort();
    }
    this.stream.close();
  }

  private setUp(s: SourceState, up: boolean): void {
    if (s.up === up) return;
    s.up = up;
    this.publish('node', { node: s.source.name, up });
  }

  private async connect(s: SourceState): Promise<void> {
    if (this.closed) return;
    const abort = new AbortController();
    s.abort = abort;
    try {
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (s.lastId !== undefined) headers['last-event-id'] = s.lastId;
      const res = await fetch(s.source.url, { headers, signal: abort.signal });
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      this.setUp(s, true);
      s.backoffMs = this.opts.reconnectMinMs;
      const feed = sseParser((e) => {
        if (e.id !== undefined) s.lastId = e.id;
        let data: unknown = e.data;
        try {
          data = JSON.parse(e.data);
        } catch {
          // not JSON: pass the text on as it came
        }
        this.publish(e.event, { node: s.source.name, id: e.id, data });
      });
      const decoder = new TextDecoder();
      for await (const chunk of res.body) feed(decoder.decode(chunk, { stream: true }));
    } catch {
      // refused, reset or aborted: the node is down (or we are closing)
    }
    if (s.abort !== abort) return; // reconnectNow replaced this attempt
    s.abort = undefined;
    this.setUp(s, false);
    if (this.closed) return;
    const wait = s.backoffMs;
    s.backoffMs = Math.min(s.backoffMs * 2, this.opts.reconnectMaxMs);
    s.timer = setTimeout(() => void this.connect(s), wait);
    s.timer.unref();
  }
}
