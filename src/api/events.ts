// GET /events: server-sent events (the WHATWG HTML "Server-sent events" section). Each client holds one
// long HTTP response, and every chain or mempool event is written to all of them as
//
//   event: block
//   data: {"hash":"…","height":5,"txs":2}
//   <blank line>
//
// Bounded, because a teaching node must not fall over when a browser tab sleeps: a client that does not
// read lets its socket's write buffer grow with every event, so a client whose buffer passes
// `maxBufferedBytes` is dropped (an EventSource reconnects by itself when it wakes up), and at most
// `maxClients` connect at once. A comment line every `heartbeatMs` keeps proxies and idle timers from
// closing quiet connections and lets a client notice a dead node.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';

export interface EventStreamOptions {
  /** Interval of the keep-alive comment (default 15 s). */
  readonly heartbeatMs: number;
  /** A client whose unsent bytes would pass this is dropped (default 1 MiB). */
  readonly maxBufferedBytes: number;
  /** Concurrent clients (default 100); one more gets 503 UNAVAILABLE. */
  readonly maxClients: number;
}

export const DEFAULT_EVENT_STREAM_OPTIONS: EventStreamOptions = Object.freeze({
  heartbeatMs: 15_000,
  maxBufferedBytes: 1024 * 1024,
  maxClients: 100,
});

/** How long an EventSource waits before reconnecting, sent once per connection (the `retry:` field). */
const RECONNECT_MS = 3_000;

export class EventStream {
  private readonly clients = new Set<ServerResponse>();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: EventStreamOptions,
    private readonly log?: FastifyBaseLogger,
  ) {}

  get size(): number {
    return this.clients.size;
  }

  get full(): boolean {
    return this.clients.size >= this.opts.maxClients;
  }

  /** Takes over a raw response (the route has hijacked it) and keeps it until the client leaves. */
  accept(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no', // tells nginx-style proxies not to hold events back
    });
    res.write(`retry: ${RECONNECT_MS}\n: connected\n\n`);
    this.clients.add(res);
    const leave = () => this.remove(res);
    req.socket.once('close', leave);
    res.once('close', leave);
    if (!this.heartbeat) {
      this.heartbeat = setInterval(() => this.send(': heartbeat\n\n'), this.opts.heartbeatMs);
      this.heartbeat.unref(); // an open event stream must not keep a stopping process alive
    }
  }

  /** Sends one event to every client. `data` is JSON on one line (JSON.stringify emits no newlines). */
  broadcast(event: string, data: unknown): void {
    if (this.clients.size === 0) return;
    this.send(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private send(chunk: string): void {
    for (const res of this.clients) {
      // writableLength: bytes queued in the stream that the kernel has not taken yet.
      if (res.writableLength + chunk.length > this.opts.maxBufferedBytes) {
        this.log?.warn(
          { buffered: res.writableLength },
          'dropping a server-sent-events client that does not read',
        );
        this.remove(res);
        res.destroy();
        continue;
      }
      res.write(chunk);
    }
  }

  private remove(res: ServerResponse): void {
    if (!this.clients.delete(res)) return;
    if (this.clients.size === 0 && this.heartbeat) {
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
    }
  }

  /** Ends every stream (the server is closing: open responses would keep it from finishing). */
  close(): void {
    for (const res of [...this.clients]) {
      this.remove(res);
      res.end();
    }
  }
}
