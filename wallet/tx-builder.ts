// Building transfers: choose the nonce, fill in the fields, sign for the right chain.
//
// The nonce. In an account model every tx of a sender carries the next value of the sender's counter,
// and a block accepts it only if it equals the account nonce at that point (docs/PROTOCOL.md; Ethereum works
// the same way; Core has no nonces, its txs spend coins instead). A wallet that sends twice without
// waiting must therefore count the txs it already has in flight: next = the account nonce, stepped past
// every nonce the sender already has pending in the node's mempool. When the pending nonces run
// contiguously from the account nonce (the usual case) that is exactly account nonce + their count; if the
// node holds a tx past a gap, the wallet fills the gap first, which is the tx the chain is waiting for.

import { addressHash } from '../src/consensus/address.js';
import { bytesEqual, fromHex, toHex } from '../src/consensus/bytes.js';
import { decodeTx, encodeTx } from '../src/consensus/encoding.js';
import { txId } from '../src/consensus/hash.js';
import { publicKeyOf, signTx } from '../src/consensus/signature.js';
import { MAX_U64, TX_VERSION, type Tx } from '../src/consensus/types.js';
import { groupedCoins } from './amount.js';
import type { AccountInfo, ApiClient, MempoolEntry, NodeStatus } from './api-client.js';
import { badInput, WalletError } from './errors.js';

/** The default fee: 0.0001 coin = 10,000 base units (the node's minimum relay fee is lower). */
export const DEFAULT_FEE = 10_000n;

export interface TransferFields {
  readonly to: Uint8Array; // 20-byte address hash
  readonly amount: bigint; // base units, >= 1
  readonly fee: bigint; // base units
  readonly nonce: bigint;
}

export interface SignedTransfer {
  readonly tx: Tx;
  readonly raw: string; // hex of the 142-byte encoded tx, what POST /txs takes
  readonly id: string; // hex SHA-256 of the encoded tx
}

/**
 * Build and sign a transfer for the chain of `genesisHash`. Refuses what the chain would refuse anyway
 * (amount 0, amount + fee past u64) with BAD_AMOUNT, so the user hears it before a node does.
 */
export function buildTransfer(
  fields: TransferFields,
  privateKey: Uint8Array,
  genesisHash: Uint8Array,
): SignedTransfer {
  if (fields.amount < 1n) throw badInput('BAD_AMOUNT', 'the amount must be at least 1 base unit');
  if (fields.fee < 0n || fields.nonce < 0n || fields.nonce > MAX_U64) {
    throw badInput('BAD_AMOUNT', 'the fee and nonce must be u64 values');
  }
  if (fields.amount + fields.fee > MAX_U64) {
    throw badInput('AMOUNT_OVERFLOW', 'amount + fee is more than a u64 holds; no balance can pay it');
  }
  const tx = signTx(
    {
      version: TX_VERSION,
      nonce: fields.nonce,
      fee: fields.fee,
      amount: fields.amount,
      to: fields.to,
      from: publicKeyOf(privateKey),
    },
    privateKey,
    genesisHash,
  );
  return { tx, raw: toHex(encodeTx(tx)), id: toHex(txId(tx)) };
}

/** A mempool entry as far as the wallet can read it: from `raw` if it decodes, else from its fields. */
export interface PendingTx {
  readonly id: string;
  readonly fromHash: Uint8Array | null;
  readonly fromAddress: string | null;
  readonly to: Uint8Array | null;
  readonly nonce: bigint | null;
  readonly amount: bigint | null;
  readonly fee: bigint | null;
}

export function readPending(entries: readonly MempoolEntry[]): PendingTx[] {
  return entries.map((e) => {
    if (e.raw !== null) {
      try {
        const tx = decodeTx(fromHex(e.raw));
        return {
          id: e.id,
          fromHash: addressHash(tx.from),
          fromAddress: e.from,
          to: tx.to,
          nonce: tx.nonce,
          amount: tx.amount,
          fee: tx.fee,
        };
      } catch {
        // fall through to the entry's own fields
      }
    }
    return {
      id: e.id,
      fromHash: null,
      fromAddress: e.from,
      to: null,
      nonce: e.nonce,
      amount: null,
      fee: null,
    };
  });
}

/** The account whose pending txs we look at: its 20-byte hash and its address text. */
export interface Sender {
  readonly hash: Uint8Array;
  readonly address: string;
}

function isFrom(p: PendingTx, sender: Sender): boolean {
  if (p.fromHash !== null) return bytesEqual(p.fromHash, sender.hash);
  return p.fromAddress !== null && p.fromAddress.toLowerCase() === sender.address.toLowerCase();
}

/**
 * The sender's pending txs the chain has not consumed yet (nonce ≥ account nonce). A pending tx with a
 * lower nonce was confirmed between the two API calls, and is already in the account nonce and balance.
 */
export function senderPending(
  pending: readonly PendingTx[],
  sender: Sender,
  accountNonce: bigint,
): PendingTx[] {
  return pending.filter((p) => isFrom(p, sender) && p.nonce !== null && p.nonce >= accountNonce);
}

/** The next free nonce: the account nonce, stepped past every nonce the sender has pending. */
export function nextNonce(accountNonce: bigint, pending: readonly PendingTx[], sender: Sender): bigint {
  const taken = new Set(senderPending(pending, sender, accountNonce).map((p) => p.nonce));
  let nonce = accountNonce;
  while (taken.has(nonce)) nonce++;
  return nonce;
}

export interface Balance {
  readonly confirmed: bigint;
  /** confirmed − the sender's pending spends (amount + fee) + pending incoming amounts. */
  readonly pending: bigint;
  readonly outgoing: bigint;
  readonly incoming: bigint;
  readonly pendingTxs: number;
  /** False if some of the account's pending txs had no readable amount (a mempool entry without "raw"). */
  readonly exact: boolean;
}

export function pendingBalance(account: AccountInfo, pending: readonly PendingTx[], sender: Sender): Balance {
  let outgoing = 0n;
  let incoming = 0n;
  let count = 0;
  let exact = true;
  for (const p of senderPending(pending, sender, account.nonce)) {
    count++;
    if (p.amount === null || p.fee === null) exact = false;
    else outgoing += p.amount + p.fee;
  }
  for (const p of pending) {
    if (p.to !== null && p.amount !== null && bytesEqual(p.to, sender.hash)) {
      count++;
      incoming += p.amount;
    }
  }
  const net = account.balance - outgoing + incoming;
  return {
    confirmed: account.balance,
    pending: net < 0n ? 0n : net,
    outgoing,
    incoming,
    pendingTxs: count,
    exact,
  };
}

/**
 * What the node says about an account right now. The mempool is read BEFORE the account: if a block
 * confirms some pending txs in between, they have left the mempool but the account nonce we then read
 * already counts them. In the other order they would be in neither, and the wallet would reuse a nonce.
 */
export async function accountView(
  client: ApiClient,
  sender: Sender,
): Promise<{ account: AccountInfo; pending: PendingTx[] }> {
  const pending = readPending(await client.mempool());
  const account = await client.account(sender.address);
  return { account, pending };
}

/**
 * Refuses, in coins, a transfer the sender cannot pay: amount + fee above its confirmed balance minus
 * what its pending txs already spend (the mempool and the chain check the same: docs/PROTOCOL.md,
 * INSUFFICIENT_FUNDS). Pending incoming coins do not count: nothing says they will be mined first.
 */
export function checkFunds(
  who: string,
  account: AccountInfo,
  pending: readonly PendingTx[],
  sender: Sender,
  amount: bigint,
  fee: bigint,
): void {
  const b = pendingBalance(account, pending, sender);
  const available = account.balance > b.outgoing ? account.balance - b.outgoing : 0n;
  if (amount + fee <= available) return;
  const spent = b.outgoing > 0n ? `, of which ${groupedCoins(b.outgoing)} are spent by its pending txs` : '';
  throw new WalletError(
    'REJECTED',
    'INSUFFICIENT_FUNDS',
    `${who} cannot pay ${groupedCoins(amount)} coins + ${groupedCoins(fee)} fee = ` +
      `${groupedCoins(amount + fee)} coins: it has ${groupedCoins(account.balance)} coins confirmed${spent}, ` +
      `so at most ${groupedCoins(available > fee ? available - fee : 0n)} coins can be sent with this fee. ` +
      'Nothing was signed',
  );
}

export interface PreparedSend extends SignedTransfer {
  readonly status: NodeStatus;
  readonly nonce: bigint;
}

/**
 * Build and sign a transfer for the node's chain (`status`, from GET /status) with the sender's next
 * nonce, read from the node just before signing.
 */
export async function prepareSend(
  client: ApiClient,
  status: NodeStatus,
  privateKey: Uint8Array,
  senderAddress: string,
  transfer: Omit<TransferFields, 'nonce'>,
): Promise<PreparedSend> {
  const sender: Sender = { hash: addressHash(publicKeyOf(privateKey)), address: senderAddress };
  const { account, pending } = await accountView(client, sender);
  checkFunds(senderAddress, account, pending, sender, transfer.amount, transfer.fee);
  // The node may also say what it expects next (it sees its whole pool; the listing is capped). The
  // larger of the two is right: both count the same pending txs, and a smaller one would reuse a nonce.
  const counted = nextNonce(account.nonce, pending, sender);
  const nonce = account.nextNonce !== undefined && account.nextNonce > counted ? account.nextNonce : counted;
  const signed = buildTransfer({ ...transfer, nonce }, privateKey, fromHex(status.genesisHash));
  return { ...signed, status, nonce };
}
