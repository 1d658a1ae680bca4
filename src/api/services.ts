// What the HTTP API uses of the other services, typed by small interfaces rather than by their classes,
// so tests can hand in the real objects or small fakes, and the API depends only on what it uses. The
// real Chain, Mempool, Miner and P2PNode satisfy them (src/node adapts the last two).
import type { IndexEntry } from '../chain/block-index.js';
import type { AddressTxPage, ChainTip, TreeEntry } from '../chain/chain.js';
import type { Origin, OriginKind } from '../chain/origin.js';
import type { Account, Block, ChainParams, Hash, Tx } from '../consensus/types.js';
import type { ChainEventSource } from './metrics.js';

/** What the API reads from the chain (src/chain/chain.ts `Chain` satisfies it). */
export interface ApiChain extends ChainEventSource {
  readonly tip: IndexEntry;
  readonly height: number;
  readonly stateDigest: Hash;
  readonly params: Pick<ChainParams, 'network' | 'genesisHash' | 'addressPrefix'>;
  readonly index: { get(hash: Hash | string): IndexEntry | undefined; values(): Iterable<IndexEntry> };
  atHeight(height: number): IndexEntry | undefined;
  isOnMainChain(entry: IndexEntry): boolean;
  getBlockBytes(hash: Hash): Promise<Uint8Array | undefined>;
  /** Every tip with its Core status, the most work first (src/chain/chain-tips.ts; Core: getchaintips). */
  tips(): readonly ChainTip[];
  /** The block tree from a height, every branch, ordered by (height, hash), after a cursor block. */
  tree(fromHeight: number, limit: number, after?: Hash): Promise<readonly TreeEntry[]>;
  getAccount(address: Uint8Array): Promise<Account>;
  findTx(id: Hash): Promise<{ entry: IndexEntry; index: number } | undefined>;
  /** A page of the address index: main-chain txs of `address`, newest first (src/chain/address-indexer.ts). */
  addressTxs(
    address: Uint8Array,
    limit: number,
    before?: { readonly height: number; readonly position: number },
  ): Promise<AddressTxPage>;
  /**
   * Accept a block from a client (POST /blocks), exactly as from a peer: every rule, then fork choice.
   * Throws the RuleError that refuses it.
   */
  processBlock(
    block: Block,
    origin: Origin,
  ): Promise<{ readonly status: 'connected' | 'stored' | 'orphan' | 'duplicate'; readonly hash: Hash }>;
}

/**
 * Where a block or tx came from, as block and tx events carry it (src/chain/origin.ts: flat fields of
 * the event's payload). Every field is optional here: the API passes on whatever the event has.
 */
export interface EventOrigin {
  readonly origin?: OriginKind;
  readonly peer?: string;
  readonly receivedAt?: number;
}

/** The payload of the mempool's 'tx:added' event, as far as the API reads it. */
export interface ApiTxAdded extends EventOrigin {
  readonly tx: Tx;
  readonly id: Hash;
}

/** A pending tx as the mempool shows it. */
export interface ApiMempoolEntry {
  readonly id: Hash;
  readonly tx: Tx;
}

/** What the API uses of the mempool (src/mempool/mempool.ts `Mempool` satisfies it). */
export interface ApiMempool {
  readonly size: number;
  readonly bytes: number;
  /**
   * Throws RuleError or MempoolError (each with a `code` and a `kind`) when it refuses the tx. The
   * origin says where the tx came from (POST /txs passes 'api').
   */
  add(tx: Tx, origin?: Origin): Promise<{ readonly id: Hash; readonly replaced?: Hash }>;
  /**
   * Many txs at once (POST /txs/batch), each accepted or refused on its own: result i is what `add`
   * would have resolved with or thrown for txs[i].
   */
  addMany(
    txs: readonly Tx[],
    origin?: Origin,
  ): Promise<PromiseSettledResult<{ readonly id: Hash; readonly replaced?: Hash }>[]>;
  get(id: Hash): ApiMempoolEntry | undefined;
  entries(): Iterable<ApiMempoolEntry>;
  /** The nonce a new tx of this sender should use, counting its pending txs (optional). */
  pendingNonce?(address: Uint8Array): Promise<bigint>;
  on(event: 'tx:added', listener: (e: ApiTxAdded) => void): unknown;
  off(event: 'tx:added', listener: (e: ApiTxAdded) => void): unknown;
}

export interface ApiMiner {
  /** Mines `blocks` blocks paying `to` (a 20-byte address hash); resolves with their hashes. */
  mine(blocks: number, to: Uint8Array): Promise<Hash[]>;
  hashrate?(): number;
}

/** One row of GET /peers: the API's view of a peer (the P2P node's PeerInfo has more fields). */
export interface PeerView {
  readonly peerId: string;
  readonly addrs: readonly string[];
  readonly direction: 'inbound' | 'outbound';
  readonly score: number;
  readonly banned: boolean;
}

export interface ApiPeers {
  peers(): readonly PeerView[];
}

/** Devnet controls behind the loopback-only admin routes (the P2P node provides them). */
export interface ApiAdmin {
  blockPeers(peerIds: readonly string[]): Promise<void> | void;
  unblockAll(): Promise<void> | void;
}

/** Status fields other services own (sync, state-digest comparison); both optional. */
export interface StatusExtras {
  syncing?(): boolean;
  /** Synced height, target height and download rate (the P2P node's sync service owns them). */
  sync?(): { readonly height: number; readonly target: number; readonly blocksPerSecond: number };
  stateMismatches?(): number;
}
