// Where the pool keeps the bulk of each pending tx: fixed-size records in large blocks of memory outside
// V8's heap (ArrayBuffers), reused through a free list.
//
// Why not one object per tx, as everywhere else? Because V8's heap costs about twice what it holds: after
// a flood it keeps committed the pages that held the garbage of every request between two collections,
// so each byte a pending tx keeps on the heap costs about two bytes of RSS (measured by `npm run bench --
// mempool`). An ArrayBuffer's contents cost their size. So the 142 encoded bytes of a tx, and the two
// times the pool keeps for it, live here; the heap keeps only what the pool's indexes compare often
// (entries.ts: the id key, the fee, the nonce). Core's mempool has the same concern in C++, where each
// entry's memory is counted with its allocator's overhead (memusage::DynamicUsage). PeerIds, at the end,
// keeps the one other per-tx thing that could cost heap: the peer id string an entry's origin names.
import { TX_BYTES } from '../consensus/types.js';

/** The fields of a record, after the encoded tx (byte offsets). */
const RECEIVED_AT = TX_BYTES + 2; // f64, 8-byte aligned within the record (142 + 2 = 144)
const ADDED_AT = RECEIVED_AT + 8; // f64
/** One byte: the index of the origin kind (entries.ts ORIGIN_KINDS). */
const ORIGIN = TX_BYTES;
/** Bytes per record: the tx, the origin, padding, two f64 times. */
export const RECORD_BYTES = ADDED_AT + 8; // 160
/** Offset of the amount in an encoded tx (version u8, nonce u64, fee u64, then amount u64). */
const AMOUNT = 1 + 8 + 8;
/** Records per block: 4,096 × 160 B = 640 KiB, small next to a full pool and large next to malloc's overhead. */
const RECORDS_PER_BLOCK = 4_096;

export class TxArena {
  private readonly blocks: Uint8Array[] = [];
  private readonly views: DataView[] = [];
  /** Released slots, reused first (a stack). */
  private readonly free: number[] = [];
  private next = 0;

  /** Bytes of memory the blocks take. */
  get bytes(): number {
    return this.blocks.length * RECORDS_PER_BLOCK * RECORD_BYTES;
  }

  /** Stores a record and returns its slot. */
  store(encoded: Uint8Array, origin: number, receivedAt: number, addedAt: number): number {
    const slot = this.free.pop() ?? this.next++;
    const b = Math.floor(slot / RECORDS_PER_BLOCK);
    if (b === this.blocks.length) {
      const block = new Uint8Array(RECORDS_PER_BLOCK * RECORD_BYTES);
      this.blocks.push(block);
      this.views.push(new DataView(block.buffer));
    }
    const at = (slot % RECORDS_PER_BLOCK) * RECORD_BYTES;
    this.blocks[b]!.set(encoded, at);
    const view = this.views[b]!;
    view.setUint8(at + ORIGIN, origin);
    view.setFloat64(at + RECEIVED_AT, receivedAt);
    view.setFloat64(at + ADDED_AT, addedAt);
    return slot;
  }

  /** Frees a slot for the next record (its bytes stay until then: nobody may read it again). */
  release(slot: number): void {
    this.free.push(slot);
  }

  /** The encoded tx of a slot: a view, valid until the slot is released. */
  encoded(slot: number): Uint8Array {
    const at = (slot % RECORDS_PER_BLOCK) * RECORD_BYTES;
    return this.blocks[Math.floor(slot / RECORDS_PER_BLOCK)]!.subarray(at, at + TX_BYTES);
  }

  amount(slot: number): bigint {
    return this.view(slot).getBigUint64(this.offset(slot) + AMOUNT);
  }

  origin(slot: number): number {
    return this.view(slot).getUint8(this.offset(slot) + ORIGIN);
  }

  receivedAt(slot: number): number {
    return this.view(slot).getFloat64(this.offset(slot) + RECEIVED_AT);
  }

  addedAt(slot: number): number {
    return this.view(slot).getFloat64(this.offset(slot) + ADDED_AT);
  }

  private view(slot: number): DataView {
    return this.views[Math.floor(slot / RECORDS_PER_BLOCK)]!;
  }

  private offset(slot: number): number {
    return (slot % RECORDS_PER_BLOCK) * RECORD_BYTES;
  }
}

/** The most distinct peer ids a PeerIds table keeps (a node has tens of peers; this is far above). */
const PEER_ID_TABLE_MAX = 1_024;

/** Peer id strings, one instance each, for the pool's entries (moved here from mempool.ts). */
export class PeerIds {
  private readonly peerIds = new Map<string, string>();

  /**
   * The one instance of a peer id string every entry from that peer keeps (a gossip origin carries a fresh
   * 52-char string per message: a hundred bytes a tx, for a handful of distinct values). The table is
   * dropped when it grows past its bound, so it never holds more than that.
   */
  intern(peer: string | undefined): string | undefined {
    if (peer === undefined) return undefined;
    let shared = this.peerIds.get(peer);
    if (shared === undefined) {
      if (this.peerIds.size >= PEER_ID_TABLE_MAX) this.peerIds.clear();
      this.peerIds.set(peer, peer);
      shared = peer;
    }
    return shared;
  }
}
