// A shaping relay: a TCP listener in front of one node's P2P port that forwards every connection to it,
// delaying each direction's bytes as the link's shape says (link-shape.ts). The devnet gives each
// directed link its own relay and tells the dialling node the relay's address instead of the target's,
// so a libp2p connection from node0 to node1 crosses "the 0-1 link" and nothing else changes. `cut()`
// drops the link like a pulled cable: open connections are destroyed and new ones refused until `heal()`.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { LinkScheduler, type LinkShape, seededRandom, UNSHAPED } from './link-shape.js';

/** Above this many queued bytes in one direction the sender is paused (TCP back-pressure). */
const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;

export interface RelayOptions {
  /** Where to listen (the relay's own address). Loopback or a devnet namespace address only. */
  readonly listenHost: string;
  readonly listenPort: number;
  /** The node behind the relay. */
  readonly targetHost: string;
  readonly targetPort: number;
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
      if (!this.to.destroyed) this.to.write(chunk);
    }
    if (this.queued < LOW_WATER && this.from.isPaused()) this.from.resume();
    if (this.queue.length === 0 && this.onDrained) {
      const fn = this.onDrained;
      this.onDrained = undefined;
      fn();
    }
    this.arm();
  }

  private onDrained: (() => void) | undefined;

  private whenDrained(fn: () => void): void {
    if (this.queue.length === 0) fn();
    else this.onDrained = fn;
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }
}

export class ShapingRelay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly pipes = new Set<ShapedPipe>();
  private shape: LinkShape;
  private isCut = false;
  private readonly random: () => number;
  private readonly schedulers = new Set<LinkScheduler>();
  /** Connections forwarded so far (for tests and the status line). */
  connections = 0;

  constructor(private readonly opts: RelayOptions) {
    this.shape = opts.shape ?? UNSHAPED;
    this.random = seededRandom(opts.seed ?? 1);
  }

  get address(): { host: string; port: number } {
    const a = this.server?.address();
    if (!a || typeof a === 'string') throw new Error('the relay is not listening');
    return { host: this.opts.listenHost, port: a.port };
  }

  get cut(): boolean {
    return this.isCut;
  }

  get currentShape(): LinkShape {
    return this.shape;
  }

  async start(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.listenPort, this.opts.listenHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  /** New shape for this link, applied to open connections too (from their next byte on). */
  setShape(shape: LinkShape): void {
    this.shape = shape;
    for (const s of this.schedulers) s.setShape(shape);
  }

  /** Pull the cable: every open connection is destroyed, new ones are refused until heal(). */
  cutLink(): void {
    this.isCut = true;
    for (const s of this.sockets) s.destroy();
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
    const upstream = createConnection({ host: this.opts.targetHost, port: this.opts.targetPort });
    const up = new LinkScheduler(this.shape, this.random);
    const down = new LinkScheduler(this.shape, this.random);
    const pipes = [new ShapedPipe(client, upstream, up), new ShapedPipe(upstream, client, down)];
    const sockets = [client, upstream];
    for (const s of sockets) this.sockets.add(s);
    for (const p of pipes) this.pipes.add(p);
    this.schedulers.add(up).add(down);
    const teardown = () => {
      for (const s of sockets) {
        s.destroy();
        this.sockets.delete(s);
      }
      for (const p of pipes) {
        p.close();
        this.pipes.delete(p);
      }
      this.schedulers.delete(up);
      this.schedulers.delete(down);
    };
    for (const s of sockets) {
      s.on('error', teardown);
      s.on('close', teardown);
    }
  }
}
