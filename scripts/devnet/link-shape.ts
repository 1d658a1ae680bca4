// Link shaping in user space: how a slow, jittery, narrow or lossy link delays the bytes of one TCP
// direction. This machine has no `tc netem`, so the devnet puts a relay in front of a node's P2P port
// (shaping-relay.ts) and schedules every chunk through a LinkScheduler below. The node's own code paths
// are untouched: libp2p still speaks TCP + Noise + Yamux, only slower.
//
// What each knob does to a segment of at most SEGMENT_BYTES:
//   bandwidth  the segment occupies the link for bytes / bandwidth seconds; segments queue behind each
//              other (serialisation delay, the reason a 1 MB block is slower than a 100-byte tx);
//   delay      it then travels for `delay` (one-way propagation);
//   jitter     plus a uniform random 0..jitter, but never overtaking an earlier segment: TCP delivers
//              in order, so jitter shows up as bunching, not reordering;
//   loss       with probability `loss` the segment is "lost" and TCP retransmits it: it arrives one
//              retransmission timeout late (RTO = max(200 ms, 3 × delay), Linux's minimum RTO is 200 ms),
//              and everything behind it waits too (head-of-line blocking). TCP never loses bytes, so
//              this is the loss an application above TCP can see.

/** TCP's usual maximum segment size on Ethernet: 1500-byte MTU less 40 bytes of IP and TCP headers. */
export const SEGMENT_BYTES = 1460;

/** Linux's minimum retransmission timeout (TCP_RTO_MIN). */
export const MIN_RTO_MS = 200;

export interface LinkShape {
  /** One-way propagation delay, ms. */
  readonly delayMs: number;
  /** Extra uniform random delay 0..jitterMs per segment, ms. */
  readonly jitterMs: number;
  /** Bytes per second the link carries; Infinity for no limit. */
  readonly bandwidthBytesPerSecond: number;
  /** Probability (0..1) that a segment is lost and retransmitted. */
  readonly loss: number;
}

export const UNSHAPED: LinkShape = Object.freeze({
  delayMs: 0,
  jitterMs: 0,
  bandwidthBytesPerSecond: Number.POSITIVE_INFINITY,
  loss: 0,
});

/** The retransmission timeout a lost segment costs on a link with this delay. */
export function retransmitTimeoutMs(shape: LinkShape): number {
  return Math.max(MIN_RTO_MS, 3 * shape.delayMs);
}

/**
 * Schedules the segments of one direction of one link. Pure: time (`now`, ms) and randomness
 * (`random`, uniform in [0, 1)) are arguments, so tests replay it exactly.
 */
export class LinkScheduler {
  /** When the link finishes sending what is queued (bandwidth), ms. */
  private busyUntil = 0;
  /** When the last scheduled segment is delivered: later segments never arrive before it. */
  private lastDelivery = 0;

  constructor(
    private shape: LinkShape,
    private readonly random: () => number,
  ) {}

  setShape(shape: LinkShape): void {
    this.shape = shape;
  }

  get current(): LinkShape {
    return this.shape;
  }

  /** The delivery time of a chunk of `bytes` handed to the link at `now`. */
  schedule(now: number, bytes: number): number {
    const s = this.shape;
    let delivery = now;
    for (let left = bytes; left > 0; left -= SEGMENT_BYTES) {
      const size = Math.min(left, SEGMENT_BYTES);
      const start = Math.max(now, this.busyUntil);
      const sent = Number.isFinite(s.bandwidthBytesPerSecond)
        ? start + (size * 1000) / s.bandwidthBytesPerSecond
        : start;
      this.busyUntil = sent;
      let arrive = sent + s.delayMs + (s.jitterMs > 0 ? this.random() * s.jitterMs : 0);
      if (s.loss > 0 && this.random() < s.loss) arrive += retransmitTimeoutMs(s);
      delivery = Math.max(arrive, this.lastDelivery);
      this.lastDelivery = delivery;
    }
    return delivery;
  }
}

/** A small seeded PRNG (mulberry32), so a shaped run can be repeated exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// --- Parsing the command line: `--delay 200ms --jitter 20ms --bandwidth 1mbit --loss 2%` -------------

/** "200ms", "0.2s", "200" (ms) → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text.trim());
  if (!m) throw new Error(`not a duration: ${JSON.stringify(text)} (examples: 200ms, 0.5s)`);
  const value = Number(m[1]) * (m[2] === 's' ? 1000 : 1);
  if (value > 60_000) throw new Error(`a delay of ${text} is more than a minute: too long for a link`);
  return value;
}

/** "2%", "0.02" → 0.02. */
export function parseLoss(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(%)?$/.exec(text.trim());
  if (!m) throw new Error(`not a loss rate: ${JSON.stringify(text)} (examples: 2%, 0.02)`);
  const value = Number(m[1]) / (m[2] ? 100 : 1);
  if (value >= 1) throw new Error(`a loss rate of ${text} would never deliver anything: use below 100%`);
  return value;
}

const RATE_UNITS: Readonly<Record<string, number>> = {
  bit: 1 / 8,
  kbit: 1000 / 8,
  mbit: 1_000_000 / 8,
  gbit: 1_000_000_000 / 8,
  b: 1,
  kb: 1000,
  mb: 1_000_000,
};

/** "1mbit", "500kbit", "2MB", "unlimited" → bytes per second (tc's units: bit rates and byte rates). */
export function parseBandwidth(text: string): number {
  const t = text.trim().toLowerCase();
  if (t === 'unlimited' || t === 'none') return Number.POSITIVE_INFINITY;
  const m = /^(\d+(?:\.\d+)?)([a-z]+)(?:\/s|ps)?$/.exec(t);
  const unit = m ? RATE_UNITS[m[2]!] : undefined;
  if (!m || unit === undefined) {
    throw new Error(`not a bandwidth: ${JSON.stringify(text)} (examples: 1mbit, 500kbit, 2MB, unlimited)`);
  }
  const value = Number(m[1]) * unit;
  if (value <= 0) throw new Error('a bandwidth must be above zero');
  return value;
}

export interface LinkShapeInput {
  readonly delay?: string;
  readonly jitter?: string;
  readonly bandwidth?: string;
  readonly loss?: string;
}

/** A shape from command-line strings; what is not given stays as in `base`. */
export function parseLinkShape(input: LinkShapeInput, base: LinkShape = UNSHAPED): LinkShape {
  return Object.freeze({
    delayMs: input.delay === undefined ? base.delayMs : parseDuration(input.delay),
    jitterMs: input.jitter === undefined ? base.jitterMs : parseDuration(input.jitter),
    bandwidthBytesPerSecond:
      input.bandwidth === undefined ? base.bandwidthBytesPerSecond : parseBandwidth(input.bandwidth),
    loss: input.loss === undefined ? base.loss : parseLoss(input.loss),
  });
}

/** One line for people: "delay 200 ms ± 20 ms, 1 Mbit/s, loss 2 %". */
export function describeShape(s: LinkShape): string {
  const parts = [`delay ${s.delayMs} ms${s.jitterMs ? ` + 0..${s.jitterMs} ms jitter` : ''}`];
  if (Number.isFinite(s.bandwidthBytesPerSecond)) {
    parts.push(`${Number(((s.bandwidthBytesPerSecond * 8) / 1_000_000).toPrecision(3))} Mbit/s`);
  }
  if (s.loss > 0) parts.push(`loss ${Number((s.loss * 100).toPrecision(3))} %`);
  return parts.join(', ');
}
