// Where a block or tx came from. Every block and tx event carries its origin, so each service decides
// from the event alone what to do (gossip publishes what was mined or submitted locally and forwards
// nothing it received, the dashboard draws who saw what when) instead of keeping lists of "came from the
// network" keys. (Core keeps the same fact per message: the `pfrom` peer of ProcessMessage, and
// fRequested/fNewBlock in ProcessNewBlock.)

/**
 *   mined    this node's own miner found it
 *   api      a client submitted it over HTTP (or the CLI did, through the API)
 *   gossip   a peer pushed it on a gossip topic
 *   sync     we asked a peer for it (headers-first block download)
 *   reorg    it moved because the best chain changed: a block connected or disconnected while switching
 *            branches, or a tx returned to the mempool from a disconnected block
 *   reindex  replayed from the datadir: `cairn reindex`, or a stored body whose arrival this process never
 *            saw (it was stored before a restart) connecting without a branch switch
 */
export type OriginKind = 'mined' | 'api' | 'gossip' | 'sync' | 'reorg' | 'reindex';

export interface Origin {
  readonly origin: OriginKind;
  /** The peer that sent it (gossip and sync only), as its libp2p peer id string. */
  readonly peer?: string;
  /** When this node first had it: unix milliseconds on this node's clock. */
  readonly receivedAt: number;
}

/** An origin for something that arrives now. */
export function originNow(origin: OriginKind, peer?: string, now: number = Date.now()): Origin {
  return peer === undefined ? { origin, receivedAt: now } : { origin, peer, receivedAt: now };
}

/** The event fields of an origin: flat, with `peer` only when there is one. */
export function originFields(o: Origin): Origin {
  return o.peer === undefined
    ? { origin: o.origin, receivedAt: o.receivedAt }
    : { origin: o.origin, peer: o.peer, receivedAt: o.receivedAt };
}
