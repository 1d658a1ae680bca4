// Remember which txs already passed signature verification, so a tx checked when it entered the mempool
// costs nothing when the block that confirms it arrives (Core: CSignatureCache and the script execution
// cache, which let a node that saw the txs before connect a new block without re-running its ECDSA).
//
// The key is the tx id: SHA-256 of the whole signed tx, so it commits to the key, the fields and the
// signature, and any change to any of them is a different entry. Only VALID results are stored, so a
// hostile peer cannot plant a "verified" entry without producing a valid signature. The id does not
// commit to the chain; a cache belongs to one TxVerifier and so to one genesis hash, and must not be
// shared across chains.

/** A tx id as bytes or as its lowercase hex. */
export type TxIdKey = Uint8Array | string;

/**
 * The key an id is filed under: its 32 bytes as a one-byte (latin1) string, 32 chars. A hex key would be
 * 64: at 100,000 entries the cache is about half the size this way (and with a Set rather than a Map,
 * whose entries also hold a value). Hex is accepted in either case; a string that is not 64 hex digits
 * can never match an id, and gets a key no id has.
 */
function keyOf(id: TxIdKey): string {
  if (typeof id !== 'string') return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('latin1');
  return /^[0-9a-fA-F]{64}$/.test(id) ? Buffer.from(id, 'hex').toString('latin1') : `not an id: ${id}`;
}

/**
 * A bounded set of verified tx ids with least-recently-used eviction: a hit refreshes the entry, so the
 * txs of the mempool that blocks are about to confirm stay while long-gone ones age out. A JS Set keeps
 * insertion order, so "delete and re-insert" moves an entry to the young end and the first key is the
 * oldest: O(1) per operation with no extra list.
 */
export class SignatureCache {
  private readonly entries = new Set<string>();

  /** `capacity` entries of 32-char keys: the default 100,000 is on the order of 8 MB. */
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
    if (!this.entries.has(key)) return false;
    this.entries.delete(key);
    this.entries.add(key);
    return true;
  }

  /** Record a tx whose signature verified valid; evicts the least recently used entry when full. */
  add(id: TxIdKey): void {
    const key = keyOf(id);
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
