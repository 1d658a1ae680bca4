// Gossip validation: the ONE place that decides what happens to a gossiped block or tx once the chain or
// the mempool has judged it (Lodestar's gossip validators do the same; docs/P2P.md).
//
//   ACCEPT  valid and new: forward it to our mesh peers.
//   IGNORE  not forwarded, sender not punished: duplicates, blocks whose parent we lack (we fetch the
//           ancestors from the sender instead), blocks from the future (they may become valid later),
//           and mempool POLICY refusals, which depend on our own state and limits.
//   REJECT  invalid everywhere, always: not forwarded, and the sender's gossipsub score takes the P4
//           penalty (invalid message deliveries) and our own score drops too.
//
// Core makes the same split when it decides whether a failure should cost a peer misbehaviour points:
// BlockValidationResult::BLOCK_CONSENSUS / BLOCK_MUTATED punish, BLOCK_TIME_FUTURE / BLOCK_MISSING_PREV
// do not (net_processing.cpp, MaybePunishNodeForBlock / MaybePunishNodeForTx).
import type { BlockStatus } from '../chain/chain.js';
import { isRuleError, type RuleCode } from '../consensus/errors.js';
import { isMempoolError } from '../mempool/policy.js';
import { ProtocolError } from './framing.js';

export type Verdict = 'accept' | 'ignore' | 'reject';

/** What became of a gossiped object: a block's status, an accepted tx, or the error that refused it. */
export type GossipOutcome =
  | { readonly block: BlockStatus }
  | { readonly tx: 'added' }
  | { readonly error: unknown };

/** Rule codes that say nothing against the sender: the object may be fine, just not usable here yet. */
const NOT_THE_SENDERS_FAULT: ReadonlySet<RuleCode> = new Set<RuleCode>([
  'UNKNOWN_PARENT', // we lack its ancestors: fetch them (Core: BLOCK_MISSING_PREV)
  'TIME_TOO_NEW', // ahead of our clock: may be valid in a few minutes (Core: BLOCK_TIME_FUTURE)
]);

export function gossipVerdict(outcome: GossipOutcome): Verdict {
  if ('block' in outcome) {
    switch (outcome.block) {
      case 'connected':
      case 'stored': // a valid block on a side branch: peers on that branch need it
        return 'accept';
      case 'orphan': // unknown parent: held, ancestors fetched, not forwarded until we can judge it
      case 'duplicate':
        return 'ignore';
    }
  }
  if ('tx' in outcome) return 'accept';
  const e = outcome.error;
  if (isMempoolError(e)) return 'ignore'; // policy (incl. ALREADY_KNOWN, NONCE_TOO_LOW): never punished
  if (isRuleError(e)) return NOT_THE_SENDERS_FAULT.has(e.code) ? 'ignore' : 'reject';
  if (e instanceof ProtocolError) return 'reject'; // wrong size or shape for the topic: garbage
  // Anything else is our own failure (storage, shutdown): not the peer's fault, and not forwarded.
  return 'ignore';
}
