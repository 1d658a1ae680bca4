// One fixture per rule code: each builds the smallest input that breaks exactly that rule and runs it
// through the real validation code. The table is checked against RULE_CODES, so adding a code without a
// fixture fails this test.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Chain } from '../../src/chain/chain.js';
import { decodeAddress, encodeAddress } from '../../src/consensus/address.js';
import { bytesToBigInt } from '../../src/consensus/bytes.js';
import { decodeTx, encodeTx } from '../../src/consensus/encoding.js';
import { RULE_CODES, type RuleCode, RuleError } from '../../src/consensus/errors.js';
import { blockHash } from '../../src/consensus/hash.js';
import { parseChainParams } from '../../src/consensus/params.js';
import { compactToTarget } from '../../src/consensus/pow.js';
import { CURVE_ORDER, checkTxSignature } from '../../src/consensus/signature.js';
import { applyBlock } from '../../src/consensus/state.js';
import { MAX_U64 } from '../../src/consensus/types.js';
import {
  checkBlockSanity,
  checkHeaderContext,
  checkHeaderSanity,
  checkTxAgainstAccount,
  checkTxSanity,
} from '../../src/consensus/validation.js';
import { ChainStore } from '../../src/storage/index.js';
import { BlockBuilder, referenceVerifier, testKey, testParams, transfer } from '../helpers/chain-fixtures.js';

const params = testParams();
const b = new BlockBuilder(params);
const b1 = b.next();
const alice = testKey(0);
const bob = testKey(1).address;
const tx = transfer(params, alice, bob, 10n, 0n);
const context = (time = b1.header.time) => ({
  parent: b1.header,
  anchor: b1.header,
  recentTimes: [params.genesis.header.time, time],
  now: b1.header.time + 100,
});
const verifier = referenceVerifier(params);

/** Runs `fn` against a fresh chain in a temp datadir. */
async function withChain(
  fn: (chain: Chain, store: ChainStore, dir: string) => Promise<unknown>,
): Promise<unknown> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-fixture-'));
  const store = await ChainStore.open(dir);
  try {
    const chain = await Chain.open({ params, store, verifier, now: () => 2_000_000_000 });
    return await fn(chain, store, dir);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const fixtures: Record<RuleCode, () => unknown> = {
  BAD_ENCODING: () => decodeTx(encodeTx(tx).subarray(0, 100)),
  BAD_VERSION: () => checkTxSanity({ ...tx, version: 2 }),
  BAD_AMOUNT: () => checkTxSanity({ ...tx, amount: 0n }),
  AMOUNT_OVERFLOW: () => checkTxSanity({ ...tx, amount: MAX_U64, fee: 1n }),
  BAD_PUBKEY: () => checkTxSignature({ ...tx, from: new Uint8Array(33).fill(5) }, params.genesisHash),
  BAD_SIGNATURE: () => checkTxSignature({ ...tx, amount: 11n }, params.genesisHash),
  HIGH_S: () => {
    // The same signature with s replaced by n - s: valid ECDSA, but malleable, so refused (BIP 146).
    const sig = tx.signature.slice();
    const s = bytesToBigInt(sig.subarray(32));
    const high = (CURVE_ORDER - s).toString(16).padStart(64, '0');
    sig.set(Uint8Array.from(Buffer.from(high, 'hex')), 32);
    return checkTxSignature({ ...tx, signature: sig }, params.genesisHash);
  },
  BAD_NONCE: () => checkTxAgainstAccount(tx, { balance: 1_000n, nonce: 1n }),
  INSUFFICIENT_FUNDS: () => checkTxAgainstAccount(tx, { balance: 10n, nonce: 0n }),
  BALANCE_OVERFLOW: () => {
    const block = b.next({ parent: b1, txs: [tx], mine: false });
    return applyBlock(
      block,
      (a) => ({ balance: a === alice.address ? 1_000_000n : MAX_U64 - 5n, nonce: 0n }),
      params,
    );
  },
  HIGH_HASH: () => {
    // Find a nonce whose hash misses the target (about every other nonce at regtest difficulty).
    const header = b.next({ parent: b1, mine: false }).header;
    for (let nonce = 0n; ; nonce++) {
      const h = { ...header, nonce };
      if (bytesToBigInt(blockHash(h)) > compactToTarget(h.bits)) return checkHeaderSanity(h, params);
    }
  },
  BAD_TARGET: () => checkHeaderSanity({ ...b1.header, bits: 0x04923456 }, params), // negative encoding
  BAD_MERKLE_ROOT: () => checkBlockSanity({ header: b1.header, txs: [tx] }, params),
  DUPLICATE_TX: () => {
    // The honest merkle root of a list with a repeated tx: the commitment matches, the list is still bad.
    const dup = b.next({ parent: b1, txs: [tx, tx] });
    return checkBlockSanity(dup, params);
  },
  BLOCK_TOO_LARGE: () => {
    const count = Math.ceil(params.maxBlockBytes / encodeTx(tx).length) + 1;
    const big = b.next({ parent: b1, txs: new Array(count).fill(tx) });
    return checkBlockSanity(big, params);
  },
  UNKNOWN_PARENT: () =>
    withChain((chain) => chain.acceptHeaders([b.next({ parent: b.next({ parent: b1 }) }).header])),
  BAD_HEIGHT: () => checkHeaderContext({ ...b.next({ parent: b1 }).header, height: 5 }, context(), params),
  BAD_DIFFBITS: () =>
    checkHeaderContext({ ...b.next({ parent: b1 }).header, bits: 0x207ffffe }, context(), params),
  TIME_TOO_OLD: () =>
    checkHeaderContext(b.next({ parent: b1, time: b1.header.time }).header, context(), params),
  TIME_TOO_NEW: () =>
    checkHeaderContext(b.next({ parent: b1, time: b1.header.time + 100 + 7201 }).header, context(), params),
  SUBSIDY_OVERFLOW: () => {
    const rich = testParams({ initialSubsidy: MAX_U64 });
    const block = new BlockBuilder(rich).next({ txs: [transfer(rich, alice, bob, 1n, 0n, 1n)], mine: false });
    return applyBlock(block, () => ({ balance: 100n, nonce: 0n }), rich);
  },
  INVALID_ANCESTOR: () =>
    withChain(async (chain) => {
      const bad = b.next({ parent: b1, txs: [transfer(params, alice, bob, 10n, 5n)] }); // wrong nonce
      await chain.processBlock(b1).catch(() => undefined);
      await chain.processBlock(bad).catch(() => undefined);
      return chain.processBlock(b.next({ parent: bad }));
    }),
  WRONG_CHAIN: () =>
    withChain(async (_chain, store) =>
      Chain.open({ params: testParams({ network: 'elsewhere' }), store, verifier }),
    ),
  BAD_GENESIS: () => parseChainParams({ network: 'x' }),
  BAD_ADDRESS: () => decodeAddress(encodeAddress(bob, 'other'), 'cairn'),
};

describe('rule fixtures', () => {
  it('every rule code has a fixture', () => {
    expect(Object.keys(fixtures).sort()).toEqual(Object.keys(RULE_CODES).sort());
  });

  for (const [code, fixture] of Object.entries(fixtures)) {
    it(`${code} is triggered by its fixture`, async () => {
      let thrown: unknown;
      try {
        await fixture();
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(RuleError);
      expect((thrown as RuleError).code).toBe(code);
      expect((thrown as RuleError).coreName).toBe(RULE_CODES[code as RuleCode].core);
      expect((thrown as RuleError).message.length).toBeGreaterThan(10);
    });
  }
});
