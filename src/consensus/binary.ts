// The one binary reader and writer behind every encoder and decoder in Cairn: txs, headers and blocks
// here, undo data (state.ts), the params commitment (params.ts), the storage records (src/storage) and the
// P2P messages (src/p2p/protocols). All integers are big-endian. (bcoin does the same with the bufio
// reader/writer behind every toRaw/fromRaw; Core with the serialize.h stream operators.)
//
// A reader never reads past its input: a short read throws the error its owner chose (BAD_ENCODING for
// consensus objects, CORRUPT_RECORD for the datadir, MALFORMED for a peer's frame), never a RangeError.
import { RuleError } from './errors.js';

/** Builds the error a failed read throws; each layer passes its own (see the file comment). */
export type DecodeErrorFactory = (message: string) => Error;

/** The consensus default: a RuleError BAD_ENCODING. */
export const badEncoding: DecodeErrorFactory = (message) => new RuleError('BAD_ENCODING', message);

/**
 * A fixed-size writer over one preallocated buffer: encoders know their exact size up front. Every write
 * checks that its value fits, so an encoder can only produce bytes that the matching Reader reads back as
 * the same value; a value out of range throws the owner's error (`fail`).
 */
export class Writer {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private off = 0;

  constructor(
    size: number,
    private readonly fail: DecodeErrorFactory = badEncoding,
  ) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  /** Refuses a value that does not fit: a DataView would silently wrap it (2^32 → 0) or truncate it. */
  private fits(v: number, max: number, type: string): void {
    if (!Number.isInteger(v) || v < 0 || v > max) throw this.fail(`${v} is not a ${type}`);
  }
  u8(v: number): this {
    this.fits(v, 0xff, 'u8');
    this.view.setUint8(this.off, v);
    this.off += 1;
    return this;
  }
  u16(v: number): this {
    this.fits(v, 0xffff, 'u16');
    this.view.setUint16(this.off, v);
    this.off += 2;
    return this;
  }
  u32(v: number): this {
    this.fits(v, 0xffff_ffff, 'u32');
    this.view.setUint32(this.off, v);
    this.off += 4;
    return this;
  }
  u64(v: bigint): this {
    if (typeof v !== 'bigint' || v < 0n || v > 0xffff_ffff_ffff_ffffn) throw this.fail(`${v} is not a u64`);
    this.view.setBigUint64(this.off, v);
    this.off += 8;
    return this;
  }
  /** Exactly `len` bytes: a field of the wrong size is refused rather than padded or cut. */
  raw(b: Uint8Array, len: number = b.length): this {
    if (b.length !== len) throw this.fail(`field must be ${len} bytes, got ${b.length}`);
    this.bytes.set(b, this.off);
    this.off += len;
    return this;
  }
  /** The written bytes; throws if the size given up front was not filled exactly (an encoder bug). */
  finish(): Uint8Array {
    if (this.off !== this.bytes.length) {
      throw new Error(`encoder wrote ${this.off} of ${this.bytes.length} bytes`);
    }
    return this.bytes;
  }
}

/** A bounds-checked reader: every read past the end throws the owner's error, never a RangeError. */
export class Reader {
  private readonly view: DataView;
  off = 0;

  constructor(
    readonly bytes: Uint8Array,
    /** What is being read, for the messages ("block", "undo record", "headers response"). */
    private readonly what: string,
    private readonly fail: DecodeErrorFactory = badEncoding,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get remaining(): number {
    return this.bytes.length - this.off;
  }
  private need(n: number): void {
    if (this.off + n > this.bytes.length) {
      throw this.fail(`${this.what} is truncated: needs ${this.off + n} bytes, has ${this.bytes.length}`);
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
  u64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.off);
    this.off += 8;
    return v;
  }
  /** A view into the input (no copy); decoded values hold copies made by `copy`. */
  raw(n: number): Uint8Array {
    this.need(n);
    const v = this.bytes.subarray(this.off, this.off + n);
    this.off += n;
    return v;
  }
  copy(n: number): Uint8Array {
    return this.raw(n).slice();
  }
  /** A decoder is canonical only if it consumed everything: trailing bytes are an error. */
  end(): void {
    if (this.off !== this.bytes.length) {
      throw this.fail(`${this.what} has ${this.bytes.length - this.off} trailing bytes`);
    }
  }
  /** Throws the owner's error with this message (for checks a decoder makes on a value it read). */
  error(message: string): Error {
    return this.fail(message);
  }
}
