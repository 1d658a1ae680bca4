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
import { type DecodeErrorFactory, Reader, Writer } from '../consensus/binary.js';
import { CodedError, type OutcomeKind, RuleError } from '../consensus/errors.js';
import type { Offence } from './scoring.js';
import type { NetworkIds } from './topics.js';

/**
 * Why an exchange failed, with its outcome kind (src/consensus/errors.ts) and the scoring offence it costs
 * the peer (scoring.ts; null: nothing to punish). This is the protocol part of the one outcome table:
 * outcome.ts reads the gossip verdict and the penalty for a ProtocolError from here and nowhere else.
 */
export const PROTOCOL_CODES = {
  TIMEOUT: { kind: 'transient', offence: 'timeout' }, // the peer did not answer (or finish asking) in time
  OVERSIZED: { kind: 'invalid', offence: 'oversized' }, // a frame larger than the protocol allows
  MALFORMED: { kind: 'invalid', offence: 'garbage' }, // a frame that does not decode
  UNEXPECTED: { kind: 'invalid', offence: 'badResponse' }, // a well-formed answer that is not an answer to what we asked
  RATE_LIMITED: { kind: 'policy', offence: 'rateLimited' }, // the peer asks more often than we serve
  // The peer does not offer the protocol. For status, the one protocol every node of this chain speaks
  // (its id names the genesis), that means another chain; for the others outcome.ts forgives it.
  UNSUPPORTED: { kind: 'wrong-chain', offence: 'wrongChain' },
  CLOSED: { kind: 'transient', offence: null }, // the stream ended early: the peer went away, nothing to punish
} as const satisfies Record<string, { readonly kind: OutcomeKind; readonly offence: Offence | null }>;

export type ProtocolErrorCode = keyof typeof PROTOCOL_CODES;

/** Why an exchange with a peer failed: a code of PROTOCOL_CODES, with its outcome kind. */
export class ProtocolError extends CodedError<ProtocolErrorCode> {
  override readonly name = 'ProtocolError';

  constructor(code: ProtocolErrorCode, message: string) {
    super(code, message, PROTOCOL_CODES[code]);
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

// --- Protocol messages are read with the one binary Reader (src/consensus/binary.ts) -----------------

/** The fail factory of every protocol decoder: a frame that does not decode is a peer's MALFORMED frame. */
export const malformed: DecodeErrorFactory = (message) => new ProtocolError('MALFORMED', message);

/** A Reader over a peer's frame: short, long or out-of-range input is a MALFORMED ProtocolError. */
export function frameReader(bytes: Uint8Array, what: string): Reader {
  return new Reader(bytes, what, malformed);
}

/** A Writer for one of our frames, of exactly `size` bytes. */
export function frameWriter(size: number): Writer {
  return new Writer(size, malformed);
}

/** A count field that must not exceed `max`: checked BEFORE anything is allocated for the items. */
export function checkedCount(r: Reader, n: number, max: number, field: string): number {
  if (n > max) throw r.error(`${field} ${n} exceeds ${max}`);
  return n;
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
    const err = exchangeError(e);
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
    const err = exchangeError(e);
    fs.abort(err);
    throw err;
  }
}

/**
 * What an exchange throws: a RuleError our own code raised while judging the other side (a status from
 * another chain is WRONG_CHAIN) keeps its kind, so outcome.ts can score it; anything else is what
 * libp2p threw, as a ProtocolError.
 */
function exchangeError(e: unknown): Error {
  return e instanceof RuleError ? e : toProtocolError(e);
}

// --- The client side of a protocol, as each protocol file sees it -----------------------------------

/** Opens a stream to `peer` on `protocol` (libp2p's dialProtocol, bounded by `signal`). */
export type Dial = (peer: string, protocol: string, signal: AbortSignal) => Promise<Stream>;

/** What a protocol's client call needs: the way to open a stream, and the deadline of one exchange. */
export interface Requester {
  readonly dial: Dial;
  readonly timeoutMs: number;
  /** The protocol ids of this chain (topics.ts): each protocol file picks its own. */
  readonly ids: NetworkIds;
}

/** One client exchange with `peer` on `protocol`: `request` out, `read` parses the answer. */
export function request<T>(
  requester: Requester,
  peer: string,
  protocol: string,
  requestFrame: Uint8Array,
  maxFrame: number,
  read: (fs: FramedStream) => Promise<T>,
): Promise<T> {
  return clientExchange(
    (signal) => requester.dial(peer, protocol, signal),
    requestFrame,
    { maxFrame, timeoutMs: requester.timeoutMs },
    read,
  );
}
