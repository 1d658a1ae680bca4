// Names on the wire. Every gossip topic and protocol id carries the first 8 hex digits of the genesis
// hash, so nodes of different chains do not even speak the same protocols: a mainnet node and a devnet
// node that meet fail protocol negotiation instead of trading blocks (docs/P2P.md).
// Core: the network "magic bytes" at the start of every P2P message play the same role.
import { toHex } from '../consensus/bytes.js';
import type { Hash } from '../consensus/types.js';

export interface NetworkIds {
  /** `/cairn/<g8>`: the prefix of everything below. */
  readonly prefix: string;
  readonly blocksTopic: string;
  readonly txsTopic: string;
  readonly statusProtocol: string;
  readonly headersProtocol: string;
  readonly blocksProtocol: string;
  readonly peersProtocol: string;
}

export function networkIds(genesisHash: Hash): NetworkIds {
  const prefix = `/cairn/${toHex(genesisHash).slice(0, 8)}`;
  return {
    prefix,
    blocksTopic: `${prefix}/blocks/1`,
    txsTopic: `${prefix}/txs/1`,
    statusProtocol: `${prefix}/status/1`,
    headersProtocol: `${prefix}/headers/1`,
    blocksProtocol: `${prefix}/blocks/1`,
    peersProtocol: `${prefix}/peers/1`,
  };
}
