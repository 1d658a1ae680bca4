import { describe, expect, it } from 'vitest';
import { parseLinks } from '../../../scripts/devnet/links.js';
import { DevnetInputError } from '../../../scripts/devnet/partition.js';
import { type DevnetState, nodeSpecs } from '../../../scripts/devnet/state.js';

const state: DevnetState = {
  basePort: 8645,
  regtest: true,
  threads: 1,
  nodes: nodeSpecs(4, 1, 8645),
  control: '',
  supervisorPid: null,
};

describe('devnet link names', () => {
  it('a pair, by index or name, either way round, each link once', () => {
    expect(parseLinks(state, ['0-1'])).toEqual([[0, 1]]);
    expect(parseLinks(state, ['node2-node0', '0-2', '2-0'])).toEqual([[0, 2]]);
  });

  it('every link of one node, and every link of the devnet', () => {
    expect(parseLinks(state, ['3'])).toEqual([
      [0, 3],
      [1, 3],
      [2, 3],
    ]);
    expect(parseLinks(state, ['all'])).toHaveLength(6);
  });

  it('refuses what is not a link, naming the problem', () => {
    expect(() => parseLinks(state, ['1-1'])).toThrow(/two different nodes/);
    expect(() => parseLinks(state, ['0-9'])).toThrow(
      /no node "9": this devnet has node0, node1, node2, node3/,
    );
    expect(() => parseLinks(state, ['0-1-2'])).toThrow(/is not a link/);
    expect(() => parseLinks(state, [])).toThrow(/at least one link/);
    expect(() => parseLinks(state, ['0-9'])).toThrow(DevnetInputError);
  });
});
