// A shaping relay: a listener in front of one node's P2P port that forwards every connection to it,
// delaying each direction's bytes as the link's shape says (link-shape.ts). In host mode each node has
// its own address, so the relay in front of node B knows from a connection's source address which node
// A it comes from, and shapes it as "the A-B link": every TCP connection between two nodes passes
// through exactly one relay (the listener's), whoever dialled. The node itself is unchanged: it listens
// on its namespace's loopback and announces the relay's address (`cairn start --announce`).
// `cutLink()` drops every connection like a pulled cable and refuses new ones until `heal()`.
//
// The same class, unshaped, forwards a node's loopback-only API out of its namespace through a Unix
// socket (an endpoint can be a TCP address or a socket path).
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { LinkScheduler, type LinkShape, seededRandom, UNSHAPED } from './link-shape.js';

/** Above this many queued bytes in one direction the sender is paused (TCP back-pressure). */
const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;

/** A TCP address (loopback or a devnet namespace address only) or a Unix socket path. */
export type Endpoint = { readonly host: string; readonly port: number } | { readonly path: string };

export interface RelayOptions {
  /** Where to listen: the relay's own address. */
  readonly listen: Endpoint;
  /** The node (or API) behind the relay. */
  readonly target: Endpoint;
  /** The shape of connections from sources without a link of their own (default: unshaped). */
  readonly shape?: LinkShape;
  /** Seed for the jitter and loss draws (default 1), so runs repeat. */
  readonly seed?: number;
}

/** One direction of one connection: a FIFO of chunks with their delivery times. */
class ShapedPipe {
  private readonly queue: { at: number; chunk: Buffer }[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly scheduler: LinkScheduler,
  ) {
    from.on('data', (chunk: Buffer) => this.push(chunk));
    // The sender is done (FIN): pass that on, but only after every byte still queued for the link.
    from.on('end', () => this.whenDrained(() => to.end()));
  }

  private push(chunk: Buffer): void {
    const now = performance.now();
    this.queue.push({ at: this.scheduler.schedule(now, chunk.length), chunk });
    this.queued += chunk.length;
    if (this.queued > HIGH_WATER) this.from.pause();
    this.arm();
  }

  private arm(): void {
    if (this.timer || this.queue.length === 0) return;
    const wait = Math.max(0, this.queue[0]!.at - performance.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.timer = undefined;
    const now = performance.now();
    while (this.queue.length > 0 && this.queue[0]!.at <= now + 0.5) {
      const { chunk } = this.queue.shift()!;
      this.queued -= chunk.length;
      if (!this.to.destroyed && !this.to.writableEnded) this.to.write(chunk);
    }
    if (this.queued < LOW_WATER && this.from.isPaused()) this.from.resume();
    if (this.queue.length === 0) for (const fn of this.onDrained.splice(0)) fn();
    this.arm();
  }

  private readonly onDrained: (() => void)[] = [];

  /** Runs `fn` once every queued chunk has been written (at once if nothing is queued). */
  whenDrained(fn: () => void): void {
    if (this.queue.length === 0) fn();
    else this.onDrained.push(fn);
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }
}

interface OpenConnection {
  readonly source: string;
  readonly sockets: readonly Socket[];
  readonly schedulers: readonly LinkScheduler[];
}

export class ShapingRelay {
  private server: Server | undefined;
  private readonly open = new Set<OpenConnection>();
  private shape: LinkShape;
  /** Shapes by source address: the links of this node to each other host. */
  private readonly links = new Map<string, LinkShape>();
  private isCut = false;
  private readonly random: () => number;
  /** Connections forwarded so far (for tests and the status line). */
  connections = 0;

  constructor(private readonly opts: RelayOptions) {
    this.shape = opts.shape ?? UNSHAPED;
    this.random = seededRandom(opts.seed ?? 1);
  }

  /** The TCP address it listens on (with the port chosen when 0 was asked for). */
  get address(): { host: string; port: number } {
    const a = this.server?.address();
    if (!a || typeof a === 'string' || !('host' in this.opts.listen)) {
      throw new Error('the relay is not listening on TCP');
    }
    return { host: this.opts.listen.host, port: a.port };
  }

  get cut(): boolean {
    return this.isCut;
  }

  get currentShape(): LinkShape {
    return this.shape;
  }

  async start(): Promise<void> {
    // allowHalfOpen: a side that has finished sending (FIN) may still receive; each direction is ended
    // on its own, once its queue has drained (ShapedPipe), as TCP itself does.
    const server = createServer({ allowHalfOpen: true }, (client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const done = () => {
        server.off('error', reject);
        resolve();
      };
      const l = this.opts.listen;
      if ('path' in l) server.listen(l.path, done);
      else server.listen(l.port, l.host, done);
    });
  }

  /** New default shape, applied to open connections without a link of their own (from their next byte). */
  setShape(shape: LinkShape): void {
    this.shape = shape;
    for (const c of this.open) if (!this.links.has(c.source)) for (const s of c.schedulers) s.setShape(shape);
  }

  /** The shape of connections from `source` (an IP address); undefined returns it to the default. */
  setLink(source: string, shape: LinkShape | undefined): void {
    if (shape) this.links.set(source, shape);
    else this.links.delete(source);
    const now = this.shapeFor(source);
    for (const c of this.open) if (c.source === source) for (const s of c.schedulers) s.setShape(now);
  }

  shapeFor(source: string): LinkShape {
    return this.links.get(source) ?? this.shape;
  }

  /** Pull the cable: every open connection is destroyed, new ones are refused until heal(). */
  cutLink(): void {
    this.isCut = true;
    for (const c of this.open) for (const s of c.sockets) s.destroy();
  }

  heal(): void {
    this.isCut = false;
  }

  async stop(): Promise<void> {
    this.cutLink();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.isCut) {
      client.destroy();
      return;
    }
    this.connections += 1;
    const source = normaliseAddress(client.remoteAddress ?? '');
    const t = this.opts.target;
    const upstream =
      'path' in t
        ? createConnection({ path: t.path, allowHalfOpen: true })
        : createConnection({ ...t, allowHalfOpen: true });
    const shape = this.shapeFor(source);
    const up = new LinkScheduler(shape, this.random);
    const down = new LinkScheduler(shape, this.random);
    const toUpstream = new ShapedPipe(client, upstream, up);
    const toClient = new ShapedPipe(upstream, client, down);
    const pipes = [toUpstream, toClient];
    const conn: OpenConnection = { source, sockets: [client, upstream], schedulers: [up, down] };
    this.open.add(conn);
    let done = false;
    const teardown = () => {
      if (done) return;
      done = true;
      for (const s of conn.sockets) s.destroy();
      for (const p of pipes) p.close();
      this.open.delete(conn);
    };
    // An error on either side (a reset, a refused upstream) ends both at once, like a broken path.
    for (const s of conn.sockets) s.on('error', teardown);
    // A side that closed cleanly may have answered just before (HTTP with "Connection: close" does): the
    // bytes still queued for the other side are delivered and ended first, and that side is given a
    // moment to close in turn before it is cut.
    const closedCleanly = (other: Socket, into: ShapedPipe) => () => {
      if (done) return;
      if (other.destroyed) return teardown();
      into.whenDrained(() => {
        other.end();
        setTimeout(teardown, 5_000).unref();
      });
    };
    client.on('close', closedCleanly(upstream, toUpstream));
    upstream.on('close', closedCleanly(client, toClient));
  }
}

/** "::ffff:198.18.1.10" → "198.18.1.10": an IPv4 peer seen by a dual-stack socket. */
function normaliseAddress(a: string): string {
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}
