// The active chain and the two moves that change it: connecting a block on the tip and disconnecting
// the tip (Core: CChainState::ConnectTip / DisconnectTip; btcd: blockchain/chain.go connectBlock and
// disconnectBlock with chainio.go). Each move is ONE atomic LevelDB batch that includes the new tip, the
// state changes, the undo data and the digest, so a crash at any moment leaves a consistent state.
// Fork choice (process.ts) decides WHAT to connect; this file only knows HOW.
import { bigIntToBytes, byteKey } from '../consensus/bytes.js';
import { decodeBlock, encodeBlock } from '../consensus/encoding.js';
import { blockWork } from '../consensus/pow.js';
import {
  type AccountChange,
  applyBlock,
  encodeUndo,
  genesisChanges,
  isEmptyAccount,
  revertChanges,
  senderAddresses,
  touchedAddresses,
  updateDigest,
} from '../consensus/state.js';
import type { Account, Block, ChainParams, Hash } from '../consensus/types.js';
import type { ChainBatch, ChainStore, HeaderEntry } from '../storage/index.js';
import type { BlockIndex, IndexEntry } from './block-index.js';
import { checkUndo, readBlock, readUndo } from './integrity.js';

/** Verifies all signatures of a block's txs; throws the first failure as a RuleError. */
export interface BlockSignatureVerifier {
  verifyTxs(txs: Block['txs'], ids?: readonly Hash[]): Promise<void>;
}

/** A block already in memory (the one processBlock is handling): its ids and early signature check. */
export interface FreshBlock {
  readonly entry: IndexEntry;
  readonly block: Block;
  readonly ids: readonly Hash[];
  readonly verified: Promise<void> | undefined;
}

export class ActiveChain {
  /** main[h] = the main-chain entry at height h. */
  readonly main: IndexEntry[] = [];
  /** The state digest at the tip (docs/PROTOCOL.md: the account-set digest). */
  digest = 0n;

  constructor(
    private readonly store: ChainStore,
    private readonly params: ChainParams,
    private readonly verifier: BlockSignatureVerifier,
  ) {}

  get tip(): IndexEntry {
    return this.main[this.main.length - 1]!;
  }

  get height(): number {
    return this.main.length - 1;
  }

  contains(entry: IndexEntry): boolean {
    return this.main[entry.header.height] === entry;
  }

  /** Makes `tip` and its ancestors the main chain (at load). */
  setTip(tip: IndexEntry, digest: bigint): void {
    this.main.length = 0;
    for (let e: IndexEntry | undefined = tip; e; e = e.parent) this.main[e.header.height] = e;
    this.digest = digest;
  }

  /** A new store's first batch: the genesis block, its allocations and the tip. */
  async writeGenesis(index: BlockIndex): Promise<void> {
    const { params } = this;
    const header = params.genesis.header;
    const entry = index.add(header, params.genesisHash, blockWork(header.bits), 'valid', true, undefined);
    entry.txCount = params.genesis.txs.length;
    const batch = this.store.batch();
    batch.putHeaderEntry(entryRecord(entry));
    batch.putBlock(entry.hash, encodeBlock(params.genesis));
    batch.putMainHash(0, entry.hash);
    const digest = writeAccounts(batch, genesisChanges(params), 0n);
    batch.setDigest(digestBytes(digest));
    batch.setTip(entry.hash);
    await batch.write();
    this.setTip(entry, digest);
  }

  /** A stored block, checked against its hash by the store (src/storage/integrity.ts); undefined if absent. */
  async getBlock(hash: Hash): Promise<Block | undefined> {
    const bytes = await this.store.getBlockBytes(hash);
    return bytes ? decodeBlock(bytes) : undefined;
  }

  /**
   * Connects `entry`, a child of the tip: signatures, state transition, then ONE batch with the new tip.
   * Throws the RuleError of the first rule the block breaks, and then nothing was written.
   */
  async connect(entry: IndexEntry, fresh?: FreshBlock): Promise<{ block: Block; ids: readonly Hash[] }> {
    // The block just handed to processBlock is still in memory with its ids; others come from disk.
    const mine = fresh?.entry === entry ? fresh : undefined;
    const { block, ids } = mine ?? (await readBlock(this.store, entry));
    // The signatures are checked on the worker threads WHILE this thread does the state work: neither
    // depends on the other, and nothing is written until both have passed. A state rule that fails is
    // reported first, as Core checks inputs before scripts (CheckTxInputs, then CheckInputScripts).
    const verified = mine?.verified ?? this.verifier.verifyTxs(block.txs, ids);
    verified.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
    const senders = senderAddresses(block);
    const touched = touchedAddresses(block, senders);
    const accounts = await this.store.getAccounts(touched);
    const applied = applyBlock(block, lookupFrom(touched, accounts), this.params, senders);

    const batch = this.store.batch();
    const digest = writeAccounts(batch, applied.changes, this.digest);
    batch.putUndo(entry.hash, encodeUndo(applied.undo));
    batch.putMainHash(entry.header.height, entry.hash);
    batch.putHeaderEntry({ ...entryRecord(entry), status: 'valid' });
    batch.setDigest(digestBytes(digest));
    batch.setTip(entry.hash);
    // Hand the batch to LevelDB's native batch now, while the workers may still be verifying, so that
    // once they are done only the commit is left. Nothing is written unless the signatures pass.
    batch.stage();
    try {
      await verified;
    } catch (e) {
      await batch.discard();
      throw e;
    }
    await batch.write();

    entry.status = 'valid';
    entry.txCount = block.txs.length;
    this.digest = digest;
    this.main.push(entry);
    return { block, ids };
  }

  /** Disconnects the tip with its undo data, in ONE batch with the new tip (Core: DisconnectTip). */
  async disconnectTip(): Promise<{ entry: IndexEntry; block: Block; ids: readonly Hash[] }> {
    const entry = this.tip;
    const parent = entry.parent;
    if (!parent) throw new Error('cannot disconnect the genesis block');
    // Both records are checked before anything is written: the body against its hash (by the store), the
    // undo data against the block and the stored accounts (integrity.ts), so damage is CORRUPT_RECORD
    // naming the block, never a wrong state written back.
    const [{ block, ids }, undo] = await Promise.all([
      readBlock(this.store, entry),
      readUndo(this.store, entry),
    ]);
    const addresses = undo.entries.map((u) => u.address);
    const current = await this.store.getAccounts(addresses);
    checkUndo(entry, block, undo, current, this.params);
    const changes = revertChanges(undo, lookupFrom(addresses, current));

    const batch = this.store.batch();
    const digest = writeAccounts(batch, changes, this.digest);
    batch.delMainHash(entry.header.height);
    batch.setDigest(digestBytes(digest));
    batch.setTip(parent.hash);
    await batch.write();

    this.digest = digest;
    this.main.pop();
    return { entry, block, ids };
  }
}

/** The header-index record of an entry, as the store keeps it. */
export function entryRecord(e: IndexEntry): HeaderEntry {
  return { header: e.header, hash: e.hash, chainWork: e.chainWork, status: e.status, hasBody: e.hasBody };
}

/** An account reader over one batched read: `accounts[i]` is the account of `addresses[i]`. */
export function lookupFrom(
  addresses: readonly Uint8Array[],
  accounts: readonly (Account | undefined)[],
): (address: Uint8Array) => Account | undefined {
  const map = new Map<string, Account>();
  addresses.forEach((a, i) => {
    const acc = accounts[i];
    if (acc) map.set(byteKey(a), acc);
  });
  return (address: Uint8Array) => map.get(byteKey(address));
}

/**
 * Puts the changed accounts into the batch (an emptied account is deleted, as Ethereum's EIP-161 drops
 * empty accounts) and returns the updated state digest.
 */
export function writeAccounts(batch: ChainBatch, changes: readonly AccountChange[], digest: bigint): bigint {
  for (const c of changes) {
    if (isEmptyAccount(c.after)) batch.delAccount(c.address);
    else batch.putAccount(c.address, c.after);
  }
  return updateDigest(digest, changes);
}

export function digestBytes(d: bigint): Uint8Array {
  return bigIntToBytes(d, 32);
}
