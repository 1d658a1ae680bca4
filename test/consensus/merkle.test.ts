import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/consensus/bytes.js';
import { encodeTx } from '../../src/consensus/encoding.js';
import { txId } from '../../src/consensus/hash.js';
import { merkleRoot, txRoot } from '../../src/consensus/merkle.js';
import { arbHash, arbTx } from './arbitraries.js';

// An independent SHA-256 (OpenSSL through node:crypto), so the tests do not check the code with itself.
function H(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}
const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);
const leaf = (d: Uint8Array) => H(LEAF, d);
const node = (l: Uint8Array, r: Uint8Array) => H(NODE, l, r);

/** RFC 6962 §2.1, transcribed literally: MTH(D[n]) with the split k = largest power of two < n. */
function referenceMth(d: readonly Uint8Array[]): Uint8Array {
  const n = d.length;
  if (n === 0) return H();
  if (n === 1) return leaf(d[0]!);
  let k = 1;
  while (k * 2 < n) k *= 2;
  return node(referenceMth(d.slice(0, k)), referenceMth(d.slice(k)));
}

/** Distinct, recognisable 32-byte ids: id(i) = SHA-256 of the decimal string i. */
const id = (i: number) => H(new TextEncoder().encode(String(i)));
const ids = (n: number) => Array.from({ length: n }, (_, i) => id(i));

describe('merkleRoot (RFC 6962 §2.1)', () => {
  it('the empty tree is SHA-256 of the empty string', () => {
    expect(toHex(merkleRoot([]))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('matches the RFC definition for every shape n = 0..8', () => {
    for (let n = 0; n <= 8; n++)
      expect(toHex(merkleRoot(ids(n))), `n = ${n}`).toBe(toHex(referenceMth(ids(n))));
  });

  it('matches the RFC definition for random lists up to 70 ids', () => {
    fc.assert(
      fc.property(fc.array(arbHash(), { maxLength: 70 }), (list) => {
        expect(merkleRoot(list)).toEqual(referenceMth(list));
      }),
      { numRuns: 60 },
    );
  });

  it('fixed shapes, composed by hand from leaf and node hashes', () => {
    const [a, b, c, d, e, f, g] = ids(7).map(leaf) as [
      Uint8Array,
      Uint8Array,
      Uint8Array,
      Uint8Array,
      Uint8Array,
      Uint8Array,
      Uint8Array,
    ];
    expect(merkleRoot(ids(1))).toEqual(a);
    expect(merkleRoot(ids(2))).toEqual(node(a, b));
    // n = 3: k = 2, so (a b) c — c is NOT paired with a copy of itself.
    expect(merkleRoot(ids(3))).toEqual(node(node(a, b), c));
    expect(merkleRoot(ids(4))).toEqual(node(node(a, b), node(c, d)));
    // n = 5: k = 4, so ((a b)(c d)) e — e is carried up two levels unchanged.
    expect(merkleRoot(ids(5))).toEqual(node(node(node(a, b), node(c, d)), e));
    // n = 7: k = 4, then the right part of 3 splits at 2: ((a b)(c d)) ((e f) g).
    expect(merkleRoot(ids(7))).toEqual(node(node(node(a, b), node(c, d)), node(node(e, f), g)));
  });

  it('a leaf is the id with a 0x00 prefix, so a single id is not its own root', () => {
    expect(merkleRoot([id(0)])).not.toEqual(id(0));
    expect(merkleRoot([id(0)])).toEqual(H(Uint8Array.of(0x00), id(0)));
  });

  it('has no CVE-2012-2459 shape: duplicating the last ids changes the root', () => {
    for (let n = 1; n <= 9; n++) {
      const list = ids(n);
      const roots = new Set([toHex(merkleRoot(list))]);
      roots.add(toHex(merkleRoot([...list, list[n - 1]!])));
      if (n >= 2) roots.add(toHex(merkleRoot([...list, list[n - 2]!, list[n - 1]!])));
      expect(roots.size, `n = ${n}`).toBe(n >= 2 ? 3 : 2);
    }
  });

  it('order matters and every id matters', () => {
    const list = ids(6);
    const root = toHex(merkleRoot(list));
    expect(toHex(merkleRoot([list[1]!, list[0]!, ...list.slice(2)]))).not.toBe(root);
    for (let i = 0; i < list.length; i++) {
      const changed = list.slice();
      changed[i] = id(100 + i);
      expect(toHex(merkleRoot(changed))).not.toBe(root);
    }
  });

  it('does not modify its input', () => {
    const list = ids(5);
    const copy = list.map((x) => x.slice());
    merkleRoot(list);
    expect(list).toEqual(copy);
  });
});

describe('txRoot', () => {
  it('is the merkle root of the tx ids (id = SHA-256 of the encoded tx)', () => {
    fc.assert(
      fc.property(fc.array(arbTx(), { maxLength: 9 }), (txs) => {
        expect(txRoot(txs)).toEqual(referenceMth(txs.map((tx) => H(encodeTx(tx)))));
        expect(txRoot(txs)).toEqual(merkleRoot(txs.map(txId)));
      }),
      { numRuns: 30 },
    );
  });
});
