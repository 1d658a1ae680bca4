import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/consensus/bytes.js';
import { RuleError } from '../../src/consensus/errors.js';
import type { BlockUndo } from '../../src/consensus/state.js';
import {
  type AccountChange,
  applyBlock,
  computeDigest,
  decodeUndo,
  encodeUndo,
  genesisChanges,
  isEmptyAccount,
  revertChanges,
  touchedAddresses,
  updateDigest,
} from '../../src/consensus/state.js';
import { blockSubsidy } from '../../src/consensus/subsidy.js';
import type { Account, Block } from '../../src/consensus/types.js';
import { FUNDED_KEYS, FUNDING, testKey, testParams, transfer } from '../helpers/chain-fixtures.js';
import { arbAddressHash, arbU64 } from './arbitraries.js';

const params = testParams();
const miner = testKey(50).address;

type State = Map<string, { address: Uint8Array; account: Account }>;

function genesisState(): State {
  const s: State = new Map();
  for (const c of genesisChanges(params)) s.set(toHex(c.address), { address: c.address, account: c.after });
  return s;
}

function write(state: State, changes: readonly AccountChange[]): void {
  for (const c of changes) {
    if (isEmptyAccount(c.after)) state.delete(toHex(c.address));
    else state.set(toHex(c.address), { address: c.address, account: c.after });
  }
}

function digestOf(state: State): bigint {
  return computeDigest([...state.values()].map((e) => [e.address, e.account] as const));
}

const lookup = (state: State) => (a: Uint8Array) => state.get(toHex(a))?.account;

// Signing is slow-ish, so the property draws from a pool of pre-signed transfers by (sender, nonce).
const AMOUNTS = [1n, 500n, FUNDING / 3n, FUNDING];
const signed = new Map<string, ReturnType<typeof transfer>>();
function signedTx(from: number, to: number, amountIdx: number, nonce: bigint) {
  const key = `${from}-${to}-${amountIdx}-${nonce}`;
  let tx = signed.get(key);
  if (!tx) {
    tx = transfer(params, testKey(from), testKey(to).address, AMOUNTS[amountIdx]!, nonce, 100n);
    signed.set(key, tx);
  }
  return tx;
}

describe('applyBlock and undo', () => {
  it('reverting with the undo data restores the exact previous state and digest (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.array(
            fc.record({
              from: fc.nat({ max: FUNDED_KEYS - 1 }),
              to: fc.nat({ max: FUNDED_KEYS + 1 }), // two recipients are new accounts
              amount: fc.nat({ max: AMOUNTS.length - 1 }),
              nonceSkew: fc.constantFrom(0, 0, 0, 0, 1), // sometimes a wrong nonce: the block fails
            }),
            { maxLength: 4 },
          ),
          { minLength: 1, maxLength: 4 },
        ),
        (blocks) => {
          const state = genesisState();
          let digest = digestOf(state);
          const history: { before: State; digest: bigint; undo: Uint8Array }[] = [];
          const nonces = new Map<number, bigint>();
          blocks.forEach((spec, i) => {
            const txs = spec.map((t) => {
              const n = nonces.get(t.from) ?? 0n;
              const tx = signedTx(t.from, t.to, t.amount, n + BigInt(t.nonceSkew));
              nonces.set(t.from, n + 1n);
              return tx;
            });
            const block: Block = {
              header: { ...params.genesis.header, height: i + 1, miner },
              txs,
            };
            const before = new Map(state);
            try {
              const applied = applyBlock(block, lookup(state), params);
              write(state, applied.changes);
              const next = updateDigest(digest, applied.changes);
              expect(next).toBe(digestOf(state)); // incremental = from scratch
              history.push({ before, digest, undo: encodeUndo(applied.undo) });
              digest = next;
            } catch (e) {
              expect(e).toBeInstanceOf(RuleError); // a bad block changes nothing: the function is pure
              expect(state).toEqual(before);
              for (const t of spec) nonces.set(t.from, (nonces.get(t.from) ?? 1n) - 1n);
            }
          });
          for (const h of history.reverse()) {
            const changes = revertChanges(decodeUndo(h.undo), lookup(state));
            write(state, changes);
            digest = updateDigest(digest, changes);
            expect(state).toEqual(h.before);
            expect(digest).toBe(h.digest);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('credits the miner subsidy + fees after the txs, and touches each account once', () => {
    const state = genesisState();
    const txs = [
      transfer(params, testKey(0), testKey(1).address, 10n, 0n, 7n),
      transfer(params, testKey(1), testKey(0).address, 3n, 0n, 5n),
      transfer(params, testKey(0), miner, 1n, 1n, 1n),
    ];
    const block: Block = { header: { ...params.genesis.header, height: 1, miner }, txs };
    expect(touchedAddresses(block)).toHaveLength(3);
    const applied = applyBlock(block, lookup(state), params);
    expect(applied.fees).toBe(13n);
    expect(applied.changes).toHaveLength(3);
    write(state, applied.changes);
    expect(state.get(toHex(miner))?.account).toEqual({
      balance: blockSubsidy(1, params) + 13n + 1n,
      nonce: 0n,
    });
    expect(state.get(toHex(testKey(0).address))?.account).toEqual({
      balance: FUNDING - 10n - 7n + 3n - 2n,
      nonce: 2n,
    });
  });

  it('a zero reward creates no empty miner account', () => {
    const late = { ...params.genesis.header, height: params.halvingInterval * 64, miner };
    const applied = applyBlock({ header: late, txs: [] }, lookup(genesisState()), params);
    expect(applied.changes).toHaveLength(0);
  });

  it('undo data rejects truncated or inconsistent bytes', () => {
    const undo = encodeUndo({ entries: [{ address: miner, before: undefined }] });
    expect(decodeUndo(undo).entries[0]!.before).toBeUndefined();
    expect(() => decodeUndo(undo.subarray(0, undo.length - 1))).toThrow(RuleError);
    const bad = undo.slice();
    bad[4 + 20] = 2;
    expect(() => decodeUndo(bad)).toThrow(/flag/);
  });

  it('undo data for an absent account is canonical: non-zero balance or nonce bytes are rejected', () => {
    // Found by test/fuzz: flag 0 with stray bytes decoded, and re-encoded to different bytes.
    const undo = encodeUndo({ entries: [{ address: miner, before: undefined }] });
    for (const at of [4 + 21, 4 + 28, 4 + 29, 4 + 36]) {
      const stray = undo.slice();
      stray[at] = 1;
      expect(() => decodeUndo(stray)).toThrow(/absent account/);
    }
  });
});

/** `n` bytes counting up from `start` (a recognisable fixed value for the byte-exact tests). */
const counting = (n: number, start: number) => Uint8Array.from({ length: n }, (_, i) => (start + i) & 0xff);

describe('fixed encodings: the bytes on disk never change by accident', () => {
  it('undo data of fixed entries is exactly these bytes', () => {
    const undo = {
      entries: [
        { address: counting(20, 1), before: { balance: 0x0102030405060708n, nonce: 9n } },
        { address: counting(20, 0xa0), before: undefined },
      ],
    };
    expect(toHex(encodeUndo(undo))).toBe(
      '00000002' +
        `${toHex(counting(20, 1))}01` +
        '0102030405060708' +
        '0000000000000009' +
        `${toHex(counting(20, 0xa0))}00` +
        '0000000000000000' +
        '0000000000000000',
    );
    expect(toHex(encodeUndo({ entries: [] }))).toBe('00000000');
  });

  it('the state digest of fixed accounts is exactly this number', () => {
    const accounts = [
      [counting(20, 1), { balance: 5n, nonce: 1n }],
      [counting(20, 0xa0), { balance: (1n << 64n) - 1n, nonce: 0n }],
    ] as const;
    expect(computeDigest(accounts).toString(16)).toBe(
      '7aed2b8196436b83fc4c87b505311819b2bee539e67d715ba03507546bf0a01',
    );
  });
});

describe('undo data is canonical: one value, one encoding', () => {
  const arbUndo: fc.Arbitrary<BlockUndo> = fc.record({
    entries: fc.array(
      fc.record({
        address: arbAddressHash(),
        before: fc.option(fc.record({ balance: arbU64(), nonce: arbU64() }), { nil: undefined }),
      }),
      { maxLength: 6 },
    ),
  });

  it('decode(encode(undo)) = undo', () => {
    fc.assert(
      fc.property(arbUndo, (undo) => {
        expect(decodeUndo(encodeUndo(undo))).toEqual(undo);
      }),
    );
  });

  it('any byte string either fails with BAD_ENCODING or decodes to a value that re-encodes to exactly it', () => {
    // Random bytes almost never have a consistent count, so mutate real encodings too, and try lengths
    // of the form 4 + 41n with random contents.
    const anyBytes = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc
        .integer({ min: 0, max: 4 })
        .chain((n) =>
          fc
            .uint8Array({ minLength: 41 * n, maxLength: 41 * n })
            .map((rest) => Uint8Array.of(0, 0, 0, n, ...rest)),
        ),
      fc.tuple(arbUndo, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([undo, at, byte]) => {
        const bytes = encodeUndo(undo);
        bytes[at % bytes.length] = byte;
        return bytes;
      }),
    );
    fc.assert(
      fc.property(anyBytes, (bytes) => {
        let undo: BlockUndo;
        try {
          undo = decodeUndo(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(RuleError);
          expect((e as RuleError).code).toBe('BAD_ENCODING');
          return;
        }
        expect(encodeUndo(undo)).toEqual(bytes);
      }),
      { numRuns: 500 },
    );
  });

  it('an absent entry must carry zero balance and nonce', () => {
    const undo = encodeUndo({ entries: [{ address: miner, before: undefined }] });
    for (const at of [4 + 21, 4 + 28, 4 + 29, 4 + 36]) {
      const bad = undo.slice();
      bad[at] = 1;
      expect(() => decodeUndo(bad)).toThrow(/absent account must have balance and nonce 0/);
    }
  });

  it('encodeUndo refuses an address that is not 20 bytes and values that are not u64', () => {
    expect(() => encodeUndo({ entries: [{ address: new Uint8Array(19), before: undefined }] })).toThrow(
      RuleError,
    );
    const before = { balance: 1n << 64n, nonce: 0n };
    expect(() => encodeUndo({ entries: [{ address: miner, before }] })).toThrow(RuleError);
  });
});
