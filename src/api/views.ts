// How chain data looks in JSON (docs/ARCHITECTURE.md §5): pure functions from the node's typed values to the plain
// objects the routes send. Amounts, nonces and work become decimal strings (a u64 does not fit a JSON
// number exactly), bytes become lowercase hex, 20-byte address hashes become bech32m.
import type { IndexEntry } from '../chain/block-index.js';
import { addressHash, encodeAddress } from '../consensus/address.js';
import { bytesEqual, toHex } from '../consensus/bytes.js';
import { encodeTx } from '../consensus/encoding.js';
import type { Account, Block, Tx } from '../consensus/types.js';

export interface TxView {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly amount: string;
  readonly fee: string;
  readonly nonce: string;
  readonly raw: string;
}

export interface TxStatusView extends TxView {
  readonly status: 'pending' | 'confirmed';
  readonly blockHash?: string;
  readonly height?: number;
  readonly confirmations?: number;
}

export interface BlockView {
  readonly hash: string;
  readonly height: number;
  readonly version: number;
  readonly prevHash: string;
  readonly txRoot: string;
  readonly miner: string;
  readonly time: number;
  readonly bits: string;
  readonly nonce: string;
  readonly chainWork: string;
  readonly status: IndexEntry['status'];
  readonly onMainChain: boolean;
  readonly confirmations: number;
  readonly txs: readonly string[];
  readonly raw: string;
}

/** One row of an address's history (GET /accounts/:address/txs). */
export interface AccountTxView extends Omit<TxView, 'raw'> {
  readonly direction: 'in' | 'out' | 'self';
  readonly height: number;
  readonly position: number;
  readonly blockHash: string;
  readonly time: number;
  readonly confirmations: number;
}

export interface AccountView {
  readonly address: string;
  readonly balance: string;
  readonly nonce: string;
  readonly nextNonce?: string;
}

/** A tx's fields, named as people use them: `from` is the sender's address, not its public key. */
export function txView(tx: Tx, id: Uint8Array, hrp: string, raw: Uint8Array = encodeTx(tx)): TxView {
  return {
    id: toHex(id),
    from: encodeAddress(addressHash(tx.from), hrp),
    to: encodeAddress(tx.to, hrp),
    amount: tx.amount.toString(),
    fee: tx.fee.toString(),
    nonce: tx.nonce.toString(),
    raw: toHex(raw),
  };
}

/**
 * A stored block and where it stands. Confirmations count the block itself (Core: getblock
 * "confirmations"); a block off the main chain has 0 (Core says -1; a count cannot be negative here).
 */
export function blockView(
  entry: IndexEntry,
  block: Block,
  ids: readonly Uint8Array[],
  raw: Uint8Array,
  onMainChain: boolean,
  tipHeight: number,
  hrp: string,
): BlockView {
  const h = block.header;
  return {
    hash: entry.hex,
    height: h.height,
    version: h.version,
    prevHash: toHex(h.prevHash),
    txRoot: toHex(h.txRoot),
    miner: encodeAddress(h.miner, hrp),
    time: h.time,
    bits: h.bits.toString(16).padStart(8, '0'),
    nonce: h.nonce.toString(),
    chainWork: entry.chainWork.toString(),
    status: entry.status,
    onMainChain,
    confirmations: onMainChain ? tipHeight - h.height + 1 : 0,
    txs: ids.map(toHex),
    raw: toHex(raw),
  };
}

export function accountView(
  address: Uint8Array,
  account: Account,
  hrp: string,
  nextNonce: bigint | undefined,
): AccountView {
  const view = {
    address: encodeAddress(address, hrp),
    balance: account.balance.toString(),
    nonce: account.nonce.toString(),
  };
  return nextNonce === undefined ? view : { ...view, nextNonce: nextNonce.toString() };
}

/** A confirmed tx as seen from `address` (20 bytes): which way it went, where, and how deep it is. */
export function accountTxView(
  tx: Tx,
  id: Uint8Array,
  address: Uint8Array,
  entry: IndexEntry,
  position: number,
  tipHeight: number,
  hrp: string,
): AccountTxView {
  const out = bytesEqual(addressHash(tx.from), address);
  const into = bytesEqual(tx.to, address);
  const { raw: _raw, ...fields } = txView(tx, id, hrp, new Uint8Array(0));
  return {
    ...fields,
    direction: out && into ? 'self' : out ? 'out' : 'in',
    height: entry.header.height,
    position,
    blockHash: entry.hex,
    time: entry.header.time,
    confirmations: tipHeight - entry.header.height + 1,
  };
}
