// Small byte helpers shared by every codec. Bytes are always Uint8Array (never Node's Buffer), so the
// consensus code runs unchanged in a browser or a worker.

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lowercase hex of the bytes in order (no byte reversal: hashes read as big-endian numbers). */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!];
  return out;
}

/**
 * A compact key for a Map or Set of byte strings (addresses, tx ids): one character per byte, so equal
 * bytes give equal keys and nothing else does. Built in one call, as a flat one-byte string, it costs a
 * third of toHex's time to build and hash (a block touches thousands of keys); it is for lookups only,
 * never for display. Inputs up to a few KB (the engine's argument limit is far above that).
 */
export function byteKey(bytes: Uint8Array): string {
  return String.fromCharCode.apply(null, bytes as unknown as number[]);
}

/** Value of each ASCII hex digit, -1 for any other character code. */
const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  NIBBLE['0123456789abcdef'.charCodeAt(i)] = i;
  NIBBLE['0123456789ABCDEF'.charCodeAt(i)] = i;
}

/** Strict hex decoder: even length, only [0-9a-fA-F]; throws a plain Error (callers wrap it). */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new Error('hex string has an odd length');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = NIBBLE[hex.charCodeAt(2 * i)] ?? -1;
    const lo = NIBBLE[hex.charCodeAt(2 * i + 1)] ?? -1;
    if (hi < 0 || lo < 0) throw new Error('hex string has a non-hex character');
    out[i] = (hi << 4) | lo;
  }
  return out;
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Compare as unsigned big-endian numbers of equal length: <0, 0 or >0. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Big-endian bytes → bigint (a 32-byte hash read as the 256-bit number compared with the target). */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${toHex(bytes)}`);
}

/** bigint → big-endian bytes of a fixed length; throws if it does not fit. */
export function bigIntToBytes(value: bigint, length: number): Uint8Array {
  if (value < 0n) throw new Error('negative value');
  const hex = value.toString(16);
  if (hex.length > length * 2) throw new Error(`value does not fit in ${length} bytes`);
  return fromHex(hex.padStart(length * 2, '0'));
}
