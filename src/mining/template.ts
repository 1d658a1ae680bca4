// The block template: what the miner hashes (Core: BlockAssembler::CreateNewBlock). The mempool picks
// the txs (highest fees first, each sender's nonces in order, within the block size); this file turns them
// into a header that satisfies every rule except the proof of work, which is the miner's job.
import { txRoot } from '../consensus/merkle.js';
import { requiredBits } from '../consensus/pow.js';
import {
  type BlockHeader,
  type ChainParams,
  type Hash,
  HEADER_VERSION,
  type Tx,
} from '../consensus/types.js';

export interface TemplateParent {
  readonly header: BlockHeader;
  readonly hash: Hash;
  /** The height-1 block of the parent's chain (the ASERT anchor), if the parent is not genesis. */
  readonly anchor: BlockHeader | undefined;
  readonly medianTimePast: number;
}

export interface Template {
  readonly header: BlockHeader;
  readonly txs: readonly Tx[];
  /** The earliest time the header may carry: one second past the median time of the last 11 blocks. */
  readonly minTime: number;
}

export function buildTemplate(
  params: ChainParams,
  parent: TemplateParent,
  txs: readonly Tx[],
  miner: Uint8Array,
  now: number,
): Template {
  const minTime = parent.medianTimePast + 1;
  return {
    header: {
      version: HEADER_VERSION,
      height: parent.header.height + 1,
      prevHash: parent.hash,
      txRoot: txRoot(txs),
      miner,
      time: Math.max(now, minTime),
      bits: requiredBits(params, parent.header, parent.anchor),
      nonce: 0n,
    },
    txs,
    minTime,
  };
}
