// The state transition: applying a block to the account state, and undoing it.
//
// Cairn uses an account model (like Ethereum) rather than Bitcoin's UTXO set: the state is a map
// address → {balance, nonce}. A tx moves `amount` from its sender to `to`, pays `fee` to the block's
// miner and bumps the sender's nonce, so the same signed tx can never apply twice (the nonce plays the
// part that spent outputs play in Bitcoin). After the txs, the miner is credited subsidy + fees; there is
// no coinbase tx, so a block cannot pay itself more than the rule allows.
//
// Everything here is pure: the caller reads the accounts a block touches (see `touchedAddresses`), hands
// them in through a lookup function, and writes the returned changes. The undo data records each touched
// account's previous value, so disconnecting a block during a reorg restores the exact previous state
// without replaying the chain (Core: CBlockUndo / DisconnectBlock).
import { addressHash } from './address.js';
import { Reader, Writer } from './binary.js';
import { byteKey } from './bytes.js';
import { RuleError } from './errors.js';
import { sha256 } from './hash.js';
import { blockSubsidy } from './subsidy.js';
import { type Account, ADDRESS_BYTES, type Block, type ChainParams, MAX_U64 } from './types.js';
import { checkTxAgainstAccount } from './validation.js';

export const EMPTY_ACCOUNT: Account = Object.freeze({ balance: 0n, nonce: 0n });

/** One account touched by a block: its value before (undefined = did not exist) and after. */
export interface AccountChange {
  readonly address: Uint8Array;
  readonly before: Account | undefined;
  readonly after: Account;
}

/** What disconnecting a block needs: every touched account's value before the block. */
export interface BlockUndo {
  readonly entries: readonly { readonly address: Uint8Array; readonly before: Account | undefined }[];
}

export interface AppliedBlock {
  readonly changes: readonly AccountChange[];
  readonly undo: BlockUndo;
  /** Sum of the txs' fees, credited to the miner with the subsidy. */
  readonly fees: bigint;
}

/** Reads an account from the state the block builds on; undefined if it does not exist. */
export type AccountLookup = (address: Uint8Array) => Account | undefined;

/** Each tx's sender address, in order (one SHA-256 per tx: compute once, pass to both functions below). */
export function senderAddresses(block: Block): Uint8Array[] {
  return block.txs.map((tx) => addressHash(tx.from));
}

/** Every address whose account `block` may change: senders, recipients and the miner, without repeats. */
export function touchedAddresses(
  block: Block,
  senders: readonly Uint8Array[] = senderAddresses(block),
): Uint8Array[] {
  const seen = new Map<string, Uint8Array>();
  const add = (a: Uint8Array) => seen.set(byteKey(a), a);
  block.txs.forEach((tx, i) => {
    add(senders[i]!);
    add(tx.to);
  });
  add(block.header.miner);
  return [...seen.values()];
}

function credit(account: Account, amount: bigint, what: string): Account {
  const balance = account.balance + amount;
  if (balance > MAX_U64) {
    throw new RuleError('BALANCE_OVERFLOW', `${what} balance would exceed the u64 maximum`);
  }
  return { balance, nonce: account.nonce };
}

/**
 * Apply a block's txs in order, then credit the miner (Core: ConnectBlock's UpdateCoins loop and the
 * coinbase value check). Throws the first RuleError; on success returns the changes and the undo data.
 * Signatures are NOT checked here: they need no state, so the chain verifies them in parallel first.
 */
export function applyBlock(
  block: Block,
  lookup: AccountLookup,
  params: ChainParams,
  senders: readonly Uint8Array[] = senderAddresses(block),
): AppliedBlock {
  const working = new Map<string, AccountChange>();
  const current = (address: Uint8Array): Account => {
    const seen = working.get(byteKey(address));
    return seen ? seen.after : (lookup(address) ?? EMPTY_ACCOUNT);
  };
  const set = (address: Uint8Array, after: Account): void => {
    const key = byteKey(address);
    const seen = working.get(key);
    working.set(key, { address, before: seen ? seen.before : lookup(address), after });
  };

  let fees = 0n;
  block.txs.forEach((tx, i) => {
    const from = senders[i]!;
    const sender = current(from);
    try {
      checkTxAgainstAccount(tx, sender);
    } catch (e) {
      if (e instanceof RuleError) throw new RuleError(e.code, `tx ${i}: ${e.message}`);
      throw e;
    }
    set(from, { balance: sender.balance - tx.amount - tx.fee, nonce: sender.nonce + 1n });
    set(tx.to, credit(current(tx.to), tx.amount, `tx ${i}: recipient`));
    fees += tx.fee;
  });

  const reward = blockSubsidy(block.header.height, params) + fees;
  if (reward > MAX_U64) throw new RuleError('SUBSIDY_OVERFLOW', 'subsidy + fees exceed the u64 maximum');
  // A zero reward (after the last halving, with no fees) creates no empty account.
  if (reward > 0n) set(block.header.miner, credit(current(block.header.miner), reward, 'miner'));

  const changes = [...working.values()];
  return { changes, undo: { entries: changes.map((c) => ({ address: c.address, before: c.before })) }, fees };
}

/** The writes that undo a block: each touched account back to its value before (undefined = delete). */
export function revertChanges(undo: BlockUndo, lookup: AccountLookup): AccountChange[] {
  // Undo entries are distinct addresses, so their order does not matter; a change's "after" here is the
  // restored value, and its "before" the value being replaced (for the state digest).
  return undo.entries.map((e) => ({
    address: e.address,
    before: lookup(e.address),
    after: e.before ?? EMPTY_ACCOUNT,
  }));
}

/** The state right after genesis: the allocations (Core has none; a devnet needs funded keys). */
export function genesisChanges(params: ChainParams): AccountChange[] {
  return params.allocations.map((a) => ({
    address: a.address,
    before: undefined,
    after: { balance: a.amount, nonce: 0n },
  }));
}

// --- Undo data encoding (docs/PROTOCOL.md §10.3) -------------------------------------------------------
//
//   undo  = count u32 | count × entry
//   entry = address 20 | present u8 | balance u64 | nonce u64        (41 bytes)
//
// An absent account ("did not exist before the block") is present 0 with balance and nonce 0. Those zeros
// carry no information, so the decoder insists on them: otherwise many byte strings would decode to the
// same undo data, and re-encoding a decoded record would not give back the stored bytes.

const UNDO_ENTRY_BYTES = ADDRESS_BYTES + 1 + 8 + 8;

export function encodeUndo(undo: BlockUndo): Uint8Array {
  const w = new Writer(4 + undo.entries.length * UNDO_ENTRY_BYTES);
  w.u32(undo.entries.length);
  for (const e of undo.entries) {
    w.raw(e.address, ADDRESS_BYTES);
    w.u8(e.before ? 1 : 0);
    w.u64(e.before?.balance ?? 0n);
    w.u64(e.before?.nonce ?? 0n);
  }
  return w.finish();
}

/** Strict inverse of encodeUndo: any other byte string is RuleError BAD_ENCODING. */
export function decodeUndo(bytes: Uint8Array): BlockUndo {
  const r = new Reader(bytes, 'undo data');
  const count = r.u32();
  // Checked before the loop, so a corrupt count cannot make the decoder allocate for entries it lacks.
  if (r.remaining !== count * UNDO_ENTRY_BYTES) {
    throw r.error(`undo data has ${bytes.length} bytes for ${count} entries`);
  }
  const entries = [];
  for (let i = 0; i < count; i++) {
    const address = r.copy(ADDRESS_BYTES);
    const present = r.u8();
    const balance = r.u64();
    const nonce = r.u64();
    if (present > 1) throw r.error(`undo entry ${i}: flag must be 0 or 1, got ${present}`);
    if (present === 0 && (balance !== 0n || nonce !== 0n)) {
      throw r.error(`undo entry ${i}: an absent account must have balance and nonce 0`);
    }
    entries.push({ address, before: present ? { balance, nonce } : undefined });
  }
  r.end();
  return { entries };
}

// --- State digest ---------------------------------------------------------------------------------
//
// Nodes at the same tip compare a digest of their whole account state to prove they agree. Hashing the
// whole state per block would cost O(accounts); instead the digest is a multiset hash: the SUM mod 2^256
// of one hash per account. Adding, removing or changing an account costs one subtraction and one
// addition, a reorg undoes it the same way, and the order accounts were written in does not matter.
// (Core's equivalent, `gettxoutsetinfo muhash`, uses MuHash3072, a multiplicative multiset hash that also
// resists deliberate collisions; an additive hash is enough to catch honest divergence, which is all
// this digest is for.)

const DIGEST_MOD = 1n << 256n;
const LEAF_TAG = new TextEncoder().encode('cairn/account/v1');

const LEAF_BYTES = LEAF_TAG.length + ADDRESS_BYTES + 16;

/** SHA-256(tag ‖ address ‖ balance u64 ‖ nonce u64) as a 256-bit big-endian number. */
function accountLeaf(address: Uint8Array, account: Account): bigint {
  // Written by hand rather than with Writer/Reader: a block changes thousands of accounts, and each
  // change hashes one or two leaves, so this is on the import's hot path (docs/BENCHMARKS.md).
  if (address.length !== ADDRESS_BYTES) throw new RangeError(`address must be ${ADDRESS_BYTES} bytes`);
  // DataView would wrap a value out of range silently; Writer.u64 refused it, and so does this.
  const { balance, nonce } = account;
  if (balance < 0n || balance > MAX_U64 || nonce < 0n || nonce > MAX_U64) {
    throw new RuleError('BAD_ENCODING', `account balance ${balance} or nonce ${nonce} is not a u64`);
  }
  const bytes = new Uint8Array(LEAF_BYTES);
  bytes.set(LEAF_TAG);
  bytes.set(address, LEAF_TAG.length);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(LEAF_TAG.length + ADDRESS_BYTES, balance);
  view.setBigUint64(LEAF_TAG.length + ADDRESS_BYTES + 8, nonce);
  // The hash read as four u64 words (cheaper than going through hex).
  const h = sha256(bytes);
  const hv = new DataView(h.buffer, h.byteOffset, 32);
  return (
    (hv.getBigUint64(0) << 192n) |
    (hv.getBigUint64(8) << 128n) |
    (hv.getBigUint64(16) << 64n) |
    hv.getBigUint64(24)
  );
}

/** Absent and {0, 0} are the same account: storage deletes it rather than storing zeros. */
export function isEmptyAccount(a: Account | undefined): boolean {
  return a === undefined || (a.balance === 0n && a.nonce === 0n);
}

/** The digest after `changes`: O(changed accounts). An empty account counts as absent. */
export function updateDigest(digest: bigint, changes: readonly AccountChange[]): bigint {
  let d = digest;
  for (const c of changes) {
    if (!isEmptyAccount(c.before)) d -= accountLeaf(c.address, c.before!);
    if (!isEmptyAccount(c.after)) d += accountLeaf(c.address, c.after);
  }
  return ((d % DIGEST_MOD) + DIGEST_MOD) % DIGEST_MOD;
}

/** The digest of a whole state, from scratch: what `updateDigest` must always agree with. */
export function computeDigest(accounts: Iterable<readonly [Uint8Array, Account]>): bigint {
  let d = 0n;
  for (const [address, account] of accounts) if (!isEmptyAccount(account)) d += accountLeaf(address, account);
  return d % DIGEST_MOD;
}
