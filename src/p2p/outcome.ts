// The P2P part of the one outcome table (src/consensus/errors.ts, docs/ARCHITECTURE.md): what a refused
// block, tx or exchange means for the peer that sent it. Both answers are read from the error's outcome
// kind alone (CodedError.kind: RuleError, MempoolError, ProtocolError; and PROTOCOL_CODES[code].offence), so
// gossip, sync and the request/response handlers can never disagree about whose fault a failure is.
//
//   kind              gossip verdict   penalty
//   invalid           REJECT           invalidBlock / invalidTx (a protocol error: its table's offence)
//   mutated           REJECT           invalidBlock / invalidTx
//   wrong-chain       REJECT           wrongChain
//   input             REJECT           invalidBlock / invalidTx (bytes that do not parse as what they claim)
//   missing-context   IGNORE           badResponse (25): an answer we cannot use, a gossiped orphan is free
//   transient         IGNORE           none (a protocol TIMEOUT: its table's offence)
//   policy            IGNORE           none
//
// Gossip verdicts: ACCEPT forwards to our mesh peers; IGNORE drops without punishing (duplicates, orphans
// whose ancestors we fetch from the sender instead, blocks from the future, mempool policy); REJECT drops
// and costs the sender gossipsub's P4 penalty as well as our own score. Core makes the same split in
// MaybePunishNodeForBlock / MaybePunishNodeForTx (net_processing.cpp): BLOCK_CONSENSUS and BLOCK_MUTATED
// punish, BLOCK_TIME_FUTURE and BLOCK_MISSING_PREV do not, TX_MEMPOOL_POLICY never does.
import type { BlockStatus } from '../chain/chain.js';
import { CodedError, type OutcomeKind } from '../consensus/errors.js';
import { PROTOCOL_CODES, ProtocolError } from './framing.js';
import type { Offence } from './scoring.js';

export type Verdict = 'accept' | 'ignore' | 'reject';

/** What became of a gossiped object: a block's status, an accepted tx, or the error that refused it. */
export type GossipOutcome =
  | { readonly block: BlockStatus }
  | { readonly tx: 'added' }
  | { readonly error: unknown };

/** What a refused object was, for the penalty of kinds that condemn it. */
export type Subject = 'block' | 'tx';

/** Cairn's request/response protocols (protocols/). */
export type ProtocolName = 'status' | 'headers' | 'blocks' | 'peers';

const VERDICT: Record<OutcomeKind, Verdict> = {
  invalid: 'reject',
  mutated: 'reject',
  'wrong-chain': 'reject',
  input: 'reject',
  'missing-context': 'ignore',
  transient: 'ignore',
  policy: 'ignore',
};

/** The penalty of a kind; 'condemned' stands for the subject's own offence (invalidBlock / invalidTx). */
const PENALTY: Record<OutcomeKind, Offence | 'condemned' | null> = {
  invalid: 'condemned',
  mutated: 'condemned',
  input: 'condemned',
  'wrong-chain': 'wrongChain',
  'missing-context': 'badResponse',
  transient: null,
  policy: null,
};

/** The kind of an error that carries one; undefined for our own failures (storage, shutdown, bugs). */
export function kindOf(e: unknown): OutcomeKind | undefined {
  return e instanceof CodedError ? e.kind : undefined;
}

/** ACCEPT / IGNORE / REJECT for a gossiped object (the one gossip validation rule). */
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
  const kind = kindOf(outcome.error);
  // Our own failure (storage, shutdown) is not the peer's fault, and what we could not judge is not forwarded.
  return kind ? VERDICT[kind] : 'ignore';
}

/**
 * The offence a failure costs the peer that caused it, or null if it costs nothing. A ProtocolError costs
 * its table's offence; a rule or mempool error the offence of its kind.
 */
export function penaltyFor(e: unknown, subject: Subject): Offence | null {
  if (e instanceof ProtocolError) return PROTOCOL_CODES[e.code].offence;
  const kind = kindOf(e);
  if (!kind) return null;
  const p = PENALTY[kind];
  return p === 'condemned' ? (subject === 'block' ? 'invalidBlock' : 'invalidTx') : p;
}

/**
 * The offence of a failed request/response exchange on `protocol` (either side). Status is the one
 * protocol every Cairn node of this chain speaks (its id names the genesis): a peer without it is on
 * another chain. Any other protocol may just be one it does not offer (a light client, a test peer).
 */
export function requestPenalty(e: unknown, protocol: ProtocolName): Offence | null {
  if (e instanceof ProtocolError && e.code === 'UNSUPPORTED' && protocol !== 'status') return null;
  return penaltyFor(e, 'block');
}

/** A one-line reason for the log and the ban: the error's code and message. */
export function describeError(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  const message = e instanceof Error ? e.message : String(e);
  return typeof code === 'string' ? `${code} ${message}` : message;
}
