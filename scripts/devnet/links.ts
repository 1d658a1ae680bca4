// Which links `npm run devnet -- link …` shapes. A link joins two nodes; it is named by its two ends:
//
//   0-1            the link between node0 and node1 (names work too: node0-node1)
//   3              every link of node3 (to each other node)
//   all            every link of the devnet
//
// Each link is shaped the same in both directions (the relay of whichever node accepted a connection
// shapes both of its directions; see host-network.ts).
import type { LinkPair } from './host-network.js';
import { DevnetInputError } from './partition.js';
import { type DevnetState, findNode, type NodeSpec } from './state.js';

function nodeOf(state: DevnetState, text: string): NodeSpec {
  const node = findNode(state, text.trim());
  if (!node)
    throw new DevnetInputError(
      `no node "${text.trim()}": this devnet has ${state.nodes.map((n) => n.name).join(', ')}`,
    );
  return node;
}

/** The pairs (lower index first, each once) that the link arguments name. */
export function parseLinks(state: DevnetState, texts: readonly string[]): LinkPair[] {
  const out = new Map<string, LinkPair>();
  const add = (x: number, y: number) => {
    if (x === y) throw new DevnetInputError(`a link joins two different nodes (got ${x}-${y})`);
    const pair: LinkPair = x < y ? [x, y] : [y, x];
    out.set(`${pair[0]}-${pair[1]}`, pair);
  };
  for (const raw of texts) {
    const text = raw.trim();
    if (text === 'all') {
      for (const a of state.nodes) for (const b of state.nodes) if (a.index < b.index) add(a.index, b.index);
      continue;
    }
    const ends = text.split('-');
    if (ends.length === 2) add(nodeOf(state, ends[0]!).index, nodeOf(state, ends[1]!).index);
    else if (ends.length === 1) {
      const a = nodeOf(state, text);
      for (const b of state.nodes) if (b !== a) add(a.index, b.index);
    } else
      throw new DevnetInputError(
        `"${text}" is not a link: write 0-1 (two nodes), 3 (every link of a node) or all`,
      );
  }
  if (out.size === 0) throw new DevnetInputError('name at least one link, e.g. 0-1');
  return [...out.values()];
}
