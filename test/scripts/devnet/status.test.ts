import { describe, expect, it } from 'vitest';
import { nodeSpecs, type Status } from '../../../scripts/devnet/state.js';
import { agreement, supervisorLines } from '../../../scripts/devnet/status.js';

const nodes = nodeSpecs(4, 2, 9000);
const status = (tipHash: string, stateDigest = 'dd'.repeat(32), extra: Partial<Status> = {}): Status => ({
  height: 5,
  tipHash,
  peers: 2,
  mempool: 1,
  syncing: false,
  stateDigest,
  genesisHash: '00'.repeat(32),
  ...extra,
});

describe('devnet status', () => {
  it('lays out the nodes: ports base+2i and base+2i+1, the first `miners` mining', () => {
    expect(nodes.map((n) => [n.name, n.apiPort, n.p2pPort, n.miner])).toEqual([
      ['node0', 9000, 9001, true],
      ['node1', 9002, 9003, true],
      ['node2', 9004, 9005, false],
      ['node3', 9006, 9007, false],
    ]);
  });

  it('marks the nodes off the most common tip FORKED, and says which are starting or stopped', () => {
    const a = 'aa'.repeat(32);
    const b = 'bb'.repeat(32);
    const rows = [
      { node: nodes[0]!, status: status(a) },
      { node: nodes[1]!, status: status(b, undefined, { syncing: true }) },
      { node: nodes[2]!, status: status(a) },
      { node: nodes[3]! },
    ];
    const lines = supervisorLines(rows, (n) => n.index === 3, '12:00:00');
    expect(lines).toEqual([
      '12:00:00 node0  height     5  tip aaaaaaaa  peers 2  mempool   1  mining',
      '12:00:00 node1  height     5  tip bbbbbbbb  peers 2  mempool   1  mining  syncing  FORKED',
      '12:00:00 node2  height     5  tip aaaaaaaa  peers 2  mempool   1',
      '12:00:00 node3  starting…',
    ]);
    expect(supervisorLines([{ node: nodes[3]! }], () => false, 't')).toEqual(['t node3  stopped']);
  });

  it('running nodes agree only on one tip and one state digest, and there must be one', () => {
    const a = 'aa'.repeat(32);
    expect(agreement([{ node: nodes[0]!, status: status(a) }, { node: nodes[1]! }]).agree).toBe(true);
    expect(
      agreement([
        { node: nodes[0]!, status: status(a) },
        { node: nodes[1]!, status: status(a, 'ee'.repeat(32)) },
      ]).agree,
    ).toBe(false);
    expect(agreement([{ node: nodes[0]! }]).agree).toBe(false);
  });
});
