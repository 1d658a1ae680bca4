// The consensus bar's grouping (web/src/model/consensus.ts).
import { describe, expect, it } from 'vitest';
import { consensus } from '../../web/src/model/consensus.js';
import { formatWork, targetOfBits, workOfTarget } from '../../web/src/model/format.js';
import { addBlock, commonAncestor, emptyTree } from '../../web/src/model/tree.js';

describe('consensus', () => {
  const t = emptyTree();
  addBlock(t, { hash: 'g', parent: '', height: 0, chainWork: 1n, miner: 'm' });
  let parent = 'g';
  for (let h = 1; h <= 5; h++) {
    addBlock(t, { hash: `a${h}`, parent, height: h, chainWork: BigInt(h * 10 + 1), miner: 'm' });
    parent = `a${h}`;
  }
  addBlock(t, { hash: 'b4', parent: 'a3', height: 4, chainWork: 35n, miner: 'm' });
  const ancestor = (a: string, b: string) => commonAncestor(t, a, b)?.height;

  it('says one ledger when every node holds the same tip and state', () => {
    const c = consensus(
      ['node0', 'node1', 'node2'].map((name) => ({
        name,
        tip: 'a5',
        height: 5,
        stateDigest: 'd',
        online: true,
      })),
      ancestor,
    );
    expect(c.text).toBe('3/3 nodes agree: one ledger, up to #5');
    expect(c.ledgers).toHaveLength(1);
  });

  it('groups nodes by ledger and names the height they still share', () => {
    const c = consensus(
      [
        { name: 'node1', tip: 'b4', height: 4, stateDigest: 'x', online: true },
        { name: 'node0', tip: 'a5', height: 5, stateDigest: 'd', online: true },
        { name: 'node2', tip: 'a5', height: 5, stateDigest: 'd', online: true },
        { name: 'node3', tip: undefined, height: 0, online: false },
      ],
      ancestor,
    );
    expect(c.text).toBe('2 ledgers: {node0, node2} | {node1}, agreed up to #3 (node3 offline)');
    expect(c.agreedHeight).toBe(3);
  });

  it('splits nodes at the same tip whose state digests differ', () => {
    const c = consensus(
      [
        { name: 'node0', tip: 'a5', height: 5, stateDigest: 'd', online: true },
        { name: 'node1', tip: 'a5', height: 5, stateDigest: 'BAD', online: true },
      ],
      ancestor,
    );
    expect(c.ledgers).toHaveLength(2);
    expect(c.text).toBe('2 ledgers: {node0} | {node1}, agreed up to #5');
  });
});

describe('format', () => {
  it('computes work = 2^256 / (target + 1) from the compact bits', () => {
    const target = targetOfBits('1d00ffff'); // Bitcoin's genesis difficulty
    expect(target).toBe(0xffffn << 208n);
    expect(workOfTarget(target)).toBe(4295032833n); // Core: GetBlockProof of 0x1d00ffff
  });

  it('shows big work with three significant digits, exactly below a million', () => {
    expect(formatWork(2n ** 70n)).toBe('1.18e21');
    expect(formatWork(48213n)).toBe('48,213');
  });
});
