import { describe, expect, test } from 'vitest';
import type { IndexEntry } from '../../../src/chain/block-index.js';
import { toHex } from '../../../src/consensus/bytes.js';
import type { BlockHeader } from '../../../src/consensus/types.js';
import { type HeadersSource, headersAfter, MAX_HEADERS } from '../../../src/p2p/protocols/headers.js';

/** A main chain of `n` + 1 entries (heights 0..n) and one side entry, with 32-byte hashes from heights. */
function fakeChain(n: number): { chain: HeadersSource; hashAt: (h: number) => Uint8Array; side: Uint8Array } {
  const hashAt = (h: number, side = 0) => {
    const b = new Uint8Array(32);
    new DataView(b.buffer).setUint32(0, h);
    b[31] = side;
    return b;
  };
  const main: IndexEntry[] = [];
  for (let h = 0; h <= n; h++) {
    main.push({ header: { height: h } as BlockHeader, hash: hashAt(h), hex: toHex(hashAt(h)) } as IndexEntry);
  }
  const side = hashAt(5, 1);
  const sideEntry = { header: { height: 5 } as BlockHeader, hash: side, hex: toHex(side) } as IndexEntry;
  const byHex = new Map([...main, sideEntry].map((e) => [e.hex, e]));
  return {
    hashAt: (h) => hashAt(h),
    side,
    chain: {
      entry: (hash) => byHex.get(toHex(hash)),
      isOnMainChain: (e) => main[e.header.height] === e,
      atHeight: (h) => main[h],
      height: n,
    },
  };
}

describe('headersAfter', () => {
  const { chain, hashAt, side } = fakeChain(2_500);
  const heights = (hs: BlockHeader[]) => hs.map((h) => h.height);

  test('starts after the first locator hash on the main chain', () => {
    expect(heights(headersAfter(chain, [hashAt(2_495)], 10))).toEqual([2_496, 2_497, 2_498, 2_499, 2_500]);
    // Unknown and side-branch hashes are skipped; the next known main-chain hash is the fork point.
    expect(heights(headersAfter(chain, [new Uint8Array(32).fill(9), side, hashAt(3)], 2))).toEqual([4, 5]);
  });

  test('no known locator hash: from genesis', () => {
    expect(heights(headersAfter(chain, [new Uint8Array(32).fill(9)], 3))).toEqual([1, 2, 3]);
  });

  test('a request for a million headers gets 2,000', () => {
    const out = headersAfter(chain, [hashAt(0)], 1_000_000);
    expect(out.length).toBe(MAX_HEADERS);
    expect(out[0]!.height).toBe(1);
    expect(out.at(-1)!.height).toBe(MAX_HEADERS);
  });

  test('at the tip: nothing', () => {
    expect(headersAfter(chain, [hashAt(2_500)], 2_000)).toEqual([]);
  });
});
