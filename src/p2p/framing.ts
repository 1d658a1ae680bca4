// Request/response framing for Cairn's own protocols (status, headers, blocks, peers).
//
// One libp2p stream carries one exchange: the client writes ONE request frame, the server writes one or
// more response frames and closes. A frame is an unsigned-varint length followed by that many bytes (the
// multiformats length prefix that libp2p itself uses). Every read names its largest acceptable frame, so
// a peer announcing a 4 GB frame is refused after reading at most 5 bytes of length: nothing is
// allocated for it. Both sides put a deadline on the whole exchange, so a silent peer holds a stream for
// a bounded time only. (Core: the 24-byte message header with its length field, checked against
// MAX_PROTOCOL_MESSAGE_LENGTH before the payload is read, and the -timeout / -peertimeout deadlines.)
import type { Stream } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import type { OutcomeKind } from '../consensus/errors.js';
import type { Offence } from './scoring.js';

/**
 * Why an exchange failed, with its outcome kind (src/consensus/errors.ts) and the scoring offence it costs
 * the peer (scoring.ts). This is the protocol part of the one outcome table: the gossip verdict and the
 * penalty for a ProtocolError are read from here and nowhere else.
 */
export const PROTOCOL_CODES = {
  TIMEOUT: { kind: 'transient', offence: 'timeout' }, // the peer did not answer (or finish asking) in time
  OVERSIZED: { kind: 'invalid', offence: 'oversized' }, // a frame larger than the protocol allows
  MALFORMED: { kind: 'invalid', offence: 'garbage' }, // a frame that does not decode
  UNEXPECTED: { kind: 'invalid', offence: 'badResponse' }, // a well-formed answer that is not an answer to what we asked
  RATE_LIMITED: { kind: 'policy', offence: 'rateLimited' }, // the peer asks more often than we serve
  UNSUPPORTED: { kind: 'wrong-chain', offence: 'badResponse' }, // the peer does not offer the protocol (for status: another chain)
  CLOSED: { kind: 'transient', offence: 'badResponse' }, // the stream ended early
} as const satisfies Record<string, { readonly kind: OutcomeKind; readonly offence: Offence }>;

export type ProtocolErrorCode = keyof typeof PROTOCOL_CODES;

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly kind: OutcomeKind;
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
  ) {
    super(message);
    this.kind = PROTOCOL_CODES[code].kind;
  }
}

/** Default deadline of one exchange, on either side. */
export const DEFAULT_EXCHANGE_TIMEOUT_MS = 10_000;

/** Maps whatever a libp2p read or write threw to a ProtocolError (the one place that knows their names). */
export function toProtocolError(e: unknown): ProtocolError {
  if (e instanceof ProtocolError) return e;
  const name = (e as { name?: string })?.name ?? '';
  const message = e instanceof Error ? e.message : String(e);
  if (name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError') {
    return new ProtocolError('OVERSIZED', message);
  }
  if (name === 'StreamBufferError') return new ProtocolError('OVERSIZED', message);
  if (name === 'InvalidMessageLengthError') return new ProtocolError('MALFORMED', message);
  if (name === 'UnsupportedProtocolError') return new ProtocolError('UNSUPPORTED', message);
  if (name === 'AbortError' || name === 'TimeoutError') return new ProtocolError('TIMEOUT', message);
  return new ProtocolError('CLOSED', message);
}

/** A stream that reads and writes whole frames, refusing any frame over `maxFrame` bytes. */
export class FramedStream {
  private readonly lp;

  constructor(
    readonly stream: Stream,
    maxFrame: number,
    private readonly signal: AbortSignal,
  ) {
    // maxBufferSize bounds what libp2p buffers for us before we read it; a frame never needs more than
    // itself plus its length prefix, and a little slack for the start of the next one.
    this.lp = lpStream(stream, { maxDataLength: maxFrame, maxBufferSize: maxFrame + 64 * 1024 });
  }

  async read(): Promise<Uint8Array> {
    try {
      const list = await this.lp.read({ signal: this.signal });
      return list.subarray();
    } catch (e) {
      throw toProtocolError(e);
    }
  }

  async write(frame: Uint8Array): Promise<void> {
    try {
      await this.lp.write(frame, { signal: this.signal });
    } catch (e) {
      throw toProtocolError(e);
    }
  }

  async close(): Promise<void> {
    try {
      await this.stream.close({ signal: this.signal });
    } catch {
      this.stream.abort(new Error('close failed'));
    }
  }

  abort(e: Error): void {
    this.stream.abort(e);
  }
}

// --- A small binary codec for protocol messages (big-endian, like the consensus encodings) ----------

/** Appends fields to a growing list of chunks; `finish` joins them once. */
export class FrameWriter {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;

  u8(v: number): this {
    return this.push(Uint8Array.of(v));
  }
  u16(v: number): this {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, v);
    return this.push(b);
  }
  u32(v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v);
    return this.push(b);
  }
  bytes(b: Uint8Array): this {
    return this.push(b);
  }
  private push(b: Uint8Array): this {
    this.chunks.push(b);
    this.size += b.length;
    return this;
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}

/** Reads fields with bounds checks: anything short, long or out of range is a MALFORMED ProtocolError. */
export class FrameReader {
  private readonly view: DataView;
  private off = 0;

  constructor(
    private readonly input: Uint8Array,
    private readonly what: string,
  ) {
    this.view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  }
  private need(n: number): void {
    if (this.off + n > this.input.length) {
      throw new ProtocolError('MALFORMED', `${this.what} is truncated at byte ${this.off}`);
    }
  }
  u8(): number {
    this.need(1);
    return this.view.getUint8(this.off++);
  }
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.off);
    this.off += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.off);
    this.off += 4;
    return v;
  }
  /** A copy, so a decoded message never pins the frame's buffer. */
  bytes(n: number): Uint8Array {
    this.need(n);
    const v = this.input.slice(this.off, this.off + n);
    this.off += n;
    return v;
  }
  /** A count field that must not exceed `max` (checked BEFORE anything is allocated for the items). */
  count(read: () => number, max: number, field: string): number {
    const n = read();
    if (n > max) throw new ProtocolError('MALFORMED', `${this.what}: ${field} ${n} exceeds ${max}`);
    return n;
  }
  end(): void {
    if (this.off !== this.input.length) {
      throw new ProtocolError('MALFORMED', `${this.what} has ${this.input.length - this.off} trailing bytes`);
    }
  }
}

// --- One exchange, from either side ------------------------------------------------------------------

export interface ExchangeLimits {
  /** The largest frame this side accepts from the other. */
  readonly maxFrame: number;
  readonly timeoutMs: number;
}

/**
 * The client side: opens a stream (through `open`), writes the request, lets `readResponse` read the
 * answer, and closes. Any failure, including the deadline, is a ProtocolError.
 */
export async function clientExchange<T>(
  open: (signal: AbortSignal) => Promise<Stream>,
  request: Uint8Array,
  limits: ExchangeLimits,
  readResponse: (fs: FramedStream) => Promise<T>,
): Promise<T> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let fs: FramedStream | undefined;
  try {
    const stream = await open(signal);
    fs = new FramedStream(stream, limits.maxFrame, signal);
    await fs.write(request);
    const out = await readResponse(fs);
    await fs.close();
    return out;
  } catch (e) {
    const err = toProtocolError(e);
    fs?.abort(err);
    throw err;
  }
}

/**
 * The server side: reads one request frame (at most `maxFrame` bytes, within the deadline), lets
 * `respond` write the answer, and closes. Throws a ProtocolError for the caller to score the peer by.
 */
export async function serverExchange(
  stream: Stream,
  limits: ExchangeLimits,
  respond: (request: Uint8Array, fs: FramedStream) => Promise<void>,
): Promise<void> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  const fs = new FramedStream(stream, limits.maxFrame, signal);
  try {
    const request = await fs.read();
    await respond(request, fs);
    await fs.close();
  } catch (e) {
    const err = toProtocolError(e);
    fs.abort(err);
    throw err;
  }
}
