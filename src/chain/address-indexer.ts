// The address index (address → the main-chain txs that send from it or pay it), an INDEXER fed by the
// chain's events like the tx index (tx-indexer.ts). It answers GET /accounts/:address/txs, so that
// `cairn-wallet history` shows what an address received and not only what this wallet sent. Core has no
// address index (its wallet watches its own scripts; Electrum servers such as electrs keep one beside the
// node, keyed by script hash); btcd's optional addrindex (blockchain/indexers/addrindex.go) is the model.
//
// Unlike the tx index, whose stale entries are harmless, an address's history must not list txs of a
// branch that lost: 'block:disconnected' deletes the block's keys, in the same order as the chain emits,
// so after a reorg the index holds exactly the main chain. Each block is one batch with the index's own
// tip record (`addressIndexTip`); a crash between the chain's batch and this one leaves the index behind
// or on the losing branch, and catchUp() walks it back to the fork point and forward to the chain's tip at
// the next start. A datadir from before this index has no tip record: catchUp() builds it from genesis.
import { addressHash } from '../consensus/address.js';
import { bytesEqual } from '../consensus/bytes.js';
import { txId } from '../consensus/hash.js';
import type { Block, Hash } from '../consensus/types.js';
import type { AddressTxRef, ChainBatch, ChainStore } from '../storage/index.js';
import { forkPoint, type IndexEntry } from './block-index.js';
import type { TxIndexChain } from './tx-indexer.js';

/** Meta record: the last block whose txs are in the address index. */
export const ADDRESS_INDEX_TIP = 'addressIndexTip';

/** What the indexer needs of a connected or disconnected block (a BlockEvent has it). */
export interface AddressIndexedBlock {
  readonly entry: IndexEntry;
  readonly block: Block;
  readonly ids?: readonly Hash[];
}

/** The chain as the indexer reads it to catch up and to answer: the same view the tx index reads. */
export type AddressIndexChain = TxIndexChain;

/** A page of an address's history: the entries (main chain only), and where the next page starts. */
export interface AddressTxPage {
  readonly txs: readonly { readonly ref: AddressTxRef; readonly entry: IndexEntry }[];
  /** Pass as `before` for the next (older) page; undefined when this page reached the first tx. */
  readonly next: { readonly height: number; readonly position: number } | undefined;
}

/** Calls `fn` once per (address, position) the block's txs touch: the sender, and the recipient if another. */
function eachAddress(
  block: Block,
  fn: (address: Uint8Array, position: number, tx: Block['txs'][number]) => void,
): void {
  for (const [position, tx] of block.txs.entries()) {
    const from = addressHash(tx.from);
    fn(from, position, tx);
    if (!bytesEqual(from, tx.to)) fn(tx.to, position, tx);
  }
}

export class AddressIndexer {
  /** Index writes in flight, one after another, in the order the chain emitted them. */
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly store: ChainStore) {}

  /** The 'block:connected' listener: one key per (address, tx), and the new index tip. */
  onConnected(b: AddressIndexedBlock): void {
    this.queue((batch) => {
      const height = b.entry.header.height;
      const ids = b.ids ?? b.block.txs.map(txId);
      eachAddress(b.block, (address, position) =>
        batch.putAddressTx(address, { height, position, id: ids[position]!, blockHash: b.entry.hash }),
      );
      batch.setMeta(ADDRESS_INDEX_TIP, b.entry.hash);
    });
  }

  /** The 'block:disconnected' listener: the block's keys go, and the index tip steps back to its parent. */
  onDisconnected(b: AddressIndexedBlock): void {
    this.queue((batch) => {
      const height = b.entry.header.height;
      eachAddress(b.block, (address, position) => batch.delAddressTx(address, height, position));
      batch.setMeta(ADDRESS_INDEX_TIP, b.block.header.prevHash);
    });
  }

  private queue(fill: (batch: ChainBatch) => void): void {
    this.writing = this.writing.then(async () => {
      const batch = this.store.batch();
      fill(batch);
      await batch.write();
    });
  }

  /**
   * Brings the index to the chain's tip: disconnects what it holds of a branch that lost (back to the fork
   * point), then indexes the main-chain blocks after it. With no tip record, from genesis. Returns how many
   * blocks it connected and disconnected.
   */
  async catchUp(chain: AddressIndexChain): Promise<{ connected: number; disconnected: number }> {
    const indexed = await this.store.getMeta(ADDRESS_INDEX_TIP);
    const from = indexed && chain.index.get(indexed);
    const fork = from ? forkPoint(from, chain.tip) : chain.atHeight(0)!;
    let disconnected = 0;
    for (let e: IndexEntry | undefined = from; e && e !== fork; e = e.parent) {
      const block = await chain.getBlock(e.hash);
      if (!block) throw new Error(`the address index holds block ${e.hex}, whose body is gone`);
      this.onDisconnected({ entry: e, block });
      disconnected++;
    }
    let connected = 0;
    for (let h = fork.header.height + 1; h <= chain.height; h++) {
      const entry = chain.atHeight(h)!;
      const block = await chain.getBlock(entry.hash);
      if (!block) continue;
      this.onConnected({ entry, block });
      connected++;
    }
    await this.idle();
    return { connected, disconnected };
  }

  /**
   * The txs of `address`, newest first, at most `limit`, older than `before` when given. Entries whose
   * block is not on the main chain (the chain moved on and its disconnect is still being written) are
   * left out, so a page may be shorter than `limit`; `next` still says where to go on.
   */
  async page(
    chain: AddressIndexChain,
    address: Uint8Array,
    limit: number,
    before?: { readonly height: number; readonly position: number },
  ): Promise<AddressTxPage> {
    await this.writing;
    const refs = await this.store.getAddressTxs(address, limit, before);
    const txs = [];
    for (const ref of refs) {
      const entry = chain.index.get(ref.blockHash);
      if (entry && chain.isOnMainChain(entry)) txs.push({ ref, entry });
    }
    const last = refs[refs.length - 1];
    const next =
      refs.length === limit && last !== undefined
        ? { height: last.height, position: last.position }
        : undefined;
    return { txs, next };
  }

  /** Resolves once every queued write is on disk. */
  idle(): Promise<void> {
    return this.writing;
  }
}
