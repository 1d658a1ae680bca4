// What a peer's status says about us and it (protocols/status.ts carries it; sync.ts follows it):
//
//   another chain   a different genesis hash: RuleError WRONG_CHAIN, which outcome.ts turns into the
//                   wrongChain offence (a ban: the peer is on another network).
//   state mismatch  the same tip but a different state digest. Same blocks must give the same account
//                   state, so one of the two nodes has a bug or a corrupted datadir. Consensus cannot
//                   tolerate that silently: it is logged at error level, counted and reported.
//
// Core has no state digest (its UTXO set hash, gettxoutsetinfo's hash_serialized, is not exchanged); the
// check is Cairn's own, possible because the digest is cheap (docs/PROTOCOL.md).
import { bytesEqual, toHex } from '../consensus/bytes.js';
import { RuleError } from '../consensus/errors.js';
import type { Hash } from '../consensus/types.js';
import type { Logger } from '../util/logger.js';
import type { P2PChain } from './chain-view.js';
import type { Status } from './protocols/status.js';

export interface StateMismatch {
  readonly peer: string;
  readonly tipHash: string;
  readonly ours: string;
  readonly theirs: string;
}

export class StateCheck {
  private mismatches = 0;

  constructor(
    private readonly genesisHash: Hash,
    private readonly chain: Pick<P2PChain, 'tip' | 'stateDigest'>,
    private readonly logger: Logger,
    private readonly onMismatch: (m: StateMismatch) => void,
  ) {}

  /** State mismatches seen since start. */
  get count(): number {
    return this.mismatches;
  }

  /** Our status, as we send it in a status exchange. */
  ours(): Status {
    const tip = this.chain.tip;
    return {
      genesisHash: this.genesisHash,
      tipHash: tip.hash,
      height: tip.header.height,
      chainWork: tip.chainWork,
      stateDigest: this.chain.stateDigest,
    };
  }

  /** Throws RuleError WRONG_CHAIN if `theirs` names another genesis. */
  sameChain(theirs: Status): void {
    if (!bytesEqual(theirs.genesisHash, this.genesisHash)) {
      throw new RuleError(
        'WRONG_CHAIN',
        `its status names genesis ${toHex(theirs.genesisHash).slice(0, 16)}…`,
      );
    }
  }

  /** Checks a peer's status against ours: another chain throws; a state mismatch is logged and reported. */
  check(peer: string, theirs: Status): void {
    this.sameChain(theirs);
    const tip = this.chain.tip;
    const digest = this.chain.stateDigest;
    if (!bytesEqual(theirs.tipHash, tip.hash) || bytesEqual(theirs.stateDigest, digest)) return;
    this.mismatches++;
    const m: StateMismatch = {
      peer,
      tipHash: tip.hex,
      ours: toHex(digest),
      theirs: toHex(theirs.stateDigest),
    };
    this.logger.error(m, 'STATE MISMATCH: a peer at our tip has a different state digest');
    this.onMismatch(m);
  }
}
