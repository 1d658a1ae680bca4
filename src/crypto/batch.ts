// The wire format between the VerifierPool and its workers: a chunk of verification jobs packed into ONE
// ArrayBuffer that is transferred (moved, not copied) to the worker. Posting an array of objects instead
// would structured-clone every item, costing more than a WASM verification saves.
//
//   item i at offset i × 129:  msgHash 32 | publicKey 33 | signature 64
//
// Items of the wrong size cannot be packed as they are; they are packed as zeros (which no backend
// accepts: r = s = 0) and marked so the result is `false` whatever the worker says.
import { HASH_BYTES, PUBKEY_BYTES, SIGNATURE_BYTES } from '../consensus/types.js';

/** One signature to check: the digest, the 33-byte compressed key, the 64-byte r‖s. */
export interface VerifyItem {
  readonly msgHash: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly signature: Uint8Array;
}

export const ITEM_BYTES = HASH_BYTES + PUBKEY_BYTES + SIGNATURE_BYTES; // 129
const KEY_OFFSET = HASH_BYTES;
const SIG_OFFSET = HASH_BYTES + PUBKEY_BYTES;

export function isPackable(item: VerifyItem): boolean {
  return (
    item.msgHash.length === HASH_BYTES &&
    item.publicKey.length === PUBKEY_BYTES &&
    item.signature.length === SIGNATURE_BYTES
  );
}

/** Pack items[start, end) into a fresh buffer, ready to transfer. */
export function packItems(items: readonly VerifyItem[], start: number, end: number): ArrayBuffer {
  const bytes = new Uint8Array((end - start) * ITEM_BYTES);
  for (let i = start; i < end; i++) {
    const item = items[i]!;
    if (!isPackable(item)) continue; // left as zeros: rejected, and forced false by the caller too
    const off = (i - start) * ITEM_BYTES;
    bytes.set(item.msgHash, off);
    bytes.set(item.publicKey, off + KEY_OFFSET);
    bytes.set(item.signature, off + SIG_OFFSET);
  }
  return bytes.buffer;
}

/** Verify every packed item with `verify`, writing 1 (valid) or 0 per item. Runs in the worker. */
export function verifyPacked(
  packed: Uint8Array,
  verify: (msgHash: Uint8Array, publicKey: Uint8Array, signature: Uint8Array) => boolean,
): Uint8Array {
  const count = packed.length / ITEM_BYTES;
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const off = i * ITEM_BYTES;
    const ok = verify(
      packed.subarray(off, off + KEY_OFFSET),
      packed.subarray(off + KEY_OFFSET, off + SIG_OFFSET),
      packed.subarray(off + SIG_OFFSET, off + ITEM_BYTES),
    );
    out[i] = ok ? 1 : 0;
  }
  return out;
}
