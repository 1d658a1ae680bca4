// Remember which txs already passed signature verification, so a tx checked when it entered the mempool
// costs nothing when the block that confirms it arrives (Core: CSignatureCache and the script execution
// cache, which let a node that saw the txs before connect a new block without re-running its ECDSA).
//
// The key is the tx id: SHA-256 of the whole signed tx, so it commits to the key, the fields and the
// signature, and any change to any of them is a different entry. Only VALID results are stored, so a
// hostile peer cannot plant a "verified" entry without producing a valid signature. The id does not
// commit to the chain; a cache belongs to one TxVerifier and so to one genesis hash, and must not be
// shared across chains.
import { byteKey, fromHex } from '../consensus/bytes.js';

/** A tx id as bytes or as hex (either case). */
export type TxIdKey = Uint8Array | string;

/** The map key of an id (one char per byte, see byteKey), or undefined for a string that is not hex. */
function keyOf(id: TxIdKey): string | undefined {
  if (typeof id !== 'string') return byteKey(id);
  try {
    return byteKey(fromHex(id));
  } catch {
    return undefined;
  }
}

/**
 * A bounded set of verified tx ids with least-recently-used eviction: a hit refreshes the entry, so the
 * txs of the mempool that blocks are about to confirm stay while long-gone ones age out. A JS Set keeps
 * insertion order, so "delete and re-insert" moves an entry to the young end and the first key is the
 * oldest: O(1) per operation with no extra list.
 */
export class SignatureCache {
  private readonly entries = new Set<string>();

  /** `capacity` entries of 32-char keys: the default 100,000 is on the order of 8 MB (a Set:
   * no value slot per entry, as a Map would keep). */
  constructor(readonly capacity = 100_000) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`signature cache capacity must be a positive integer, got ${capacity}`);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** Was this tx verified valid? A hit counts as a use. */
  has(id: TxIdKey): boolean {
    const key = keyOf(id);
    if (key === undefined || !this.entries.has(key)) return false;
    this.entries.delete(key);
    this.entries.add(key);
    return true;
  }

  /** Record a tx whose signature verified valid; evicts the least recently used entry when full. */
  add(id: TxIdKey): void {
    const key = keyOf(id);
    if (key === undefined) throw new RangeError(`not a tx id (bytes or hex): ${String(id).slice(0, 80)}`);
    this.entries.delete(key);
    this.entries.add(key);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
