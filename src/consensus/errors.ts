// Errors are data. Every rejection anywhere in Cairn is a CodedError (a RuleError for the consensus rules)
// with a stable `code` (tests and peers match on it), a one-line reason that teaches, the Bitcoin Core
// reject reason where one exists, and an outcome kind. Layers above derive behaviour from the kind in
// exactly one place each: gossip ACCEPT/IGNORE/REJECT and peer penalties (src/p2p/outcome.ts), HTTP
// statuses (src/api/errors.ts), CLI exit codes (src/client/exit-codes.ts). docs/ARCHITECTURE.md §4 has
// the whole outcome table; test/p2p/outcome.test.ts walks every code through every mapping.

/**
 * What a failure says about the object that failed, in the style of Core's BlockValidationResult and
 * TxValidationResult. Every behaviour that follows a refusal is derived from the kind alone, each in one
 * place: the gossip verdict and the sync penalty (src/p2p/outcome.ts), whether a header is remembered
 * as invalid (condemnsHeader below, used by src/chain) and whether a body failure is a mutation
 * (MALFORMED_BODY_CODES, src/consensus/validation.ts), the HTTP status (src/api/errors.ts) and the CLI
 * exit code (src/client/exit-codes.ts).
 *
 *   invalid          bad forever, on every chain: the sender is at fault (Core: BLOCK_CONSENSUS,
 *                    TX_CONSENSUS). A header that fails this way is remembered as invalid.
 *   mutated          the body does not match an honest header (Core: BLOCK_MUTATED): the sender is at
 *                    fault, but the HEADER is not condemned, or the honest body could never be accepted.
 *   transient        may become valid later: a block from the future, a full mempool (Core:
 *                    BLOCK_TIME_FUTURE). Nobody is punished; the client may retry.
 *   missing-context  cannot be judged yet: the parent is unknown (Core: BLOCK_MISSING_PREV). Fetch it.
 *   policy           this node's own choice (mempool limits and fees, Core: TX_MEMPOOL_POLICY): an honest
 *                    peer with another view may send it, so it never costs reputation.
 *   input            the caller's own input is malformed (an address, a genesis file): fix the input.
 *   wrong-chain      another network entirely (a different genesis).
 */
export type OutcomeKind =
  | 'invalid'
  | 'mutated'
  | 'transient'
  | 'missing-context'
  | 'policy'
  | 'input'
  | 'wrong-chain';

export const OUTCOME_KINDS: readonly OutcomeKind[] = [
  'invalid',
  'mutated',
  'transient',
  'missing-context',
  'policy',
  'input',
  'wrong-chain',
];

/** One row of an outcome table: Core's reject reason (null where Cairn has no equivalent) and the kind. */
export interface CodeInfo {
  readonly core: string | null;
  readonly kind: OutcomeKind;
}

/**
 * Every consensus rule code, with the Bitcoin Core reject reason it corresponds to (or null where Cairn's
 * account model has no Core equivalent) and its outcome kind. Adding a rule means adding its code here, a
 * fixture that triggers it in test/consensus/rule-fixtures.test.ts, and a line in docs/PROTOCOL.md.
 */
export const RULE_CODES = {
  // Encoding (decoders): the bytes are not a well-formed object at all. In a block body this is a
  // mutation of an honest header's txs, so it must not condemn the header.
  BAD_ENCODING: { core: null, kind: 'mutated' }, // truncated input, trailing bytes, out-of-range field
  BAD_VERSION: { core: null, kind: 'invalid' }, // unknown tx or header version
  // Transactions
  BAD_AMOUNT: { core: 'bad-txns-vout-negative', kind: 'invalid' }, // amount must be >= 1
  AMOUNT_OVERFLOW: { core: 'bad-txns-txouttotal-toolarge', kind: 'invalid' }, // amount + fee overflows u64
  BAD_PUBKEY: { core: null, kind: 'invalid' }, // `from` is not a valid compressed secp256k1 point
  BAD_SIGNATURE: { core: 'mandatory-script-verify-flag-failed', kind: 'invalid' }, // ECDSA check failed
  HIGH_S: {
    core: 'non-mandatory-script-verify-flag (Non-canonical signature: S value is unnecessarily high)',
    kind: 'invalid',
  },
  BAD_NONCE: { core: 'bad-txns-nonce', kind: 'invalid' }, // nonce != account nonce (Core: missing/spent inputs)
  INSUFFICIENT_FUNDS: { core: 'bad-txns-in-belowout', kind: 'invalid' }, // balance < amount + fee
  BALANCE_OVERFLOW: { core: null, kind: 'invalid' }, // recipient balance would exceed u64
  // Blocks: sanity (no context needed)
  HIGH_HASH: { core: 'high-hash', kind: 'invalid' }, // proof of work does not meet the target in `bits`
  BAD_TARGET: { core: 'bad-diffbits', kind: 'invalid' }, // bits encode a negative, zero, overflowing or too-easy target
  BAD_MERKLE_ROOT: { core: 'bad-txnmrklroot', kind: 'mutated' },
  DUPLICATE_TX: { core: 'bad-txns-duplicate', kind: 'mutated' },
  BLOCK_TOO_LARGE: { core: 'bad-blk-length', kind: 'mutated' },
  // Blocks: header context (needs the parent and its ancestors)
  UNKNOWN_PARENT: { core: 'prev-blk-not-found', kind: 'missing-context' },
  BAD_HEIGHT: { core: 'bad-cb-height', kind: 'invalid' }, // height != parent height + 1
  BAD_DIFFBITS: { core: 'bad-diffbits', kind: 'invalid' }, // bits != what ASERT requires
  TIME_TOO_OLD: { core: 'time-too-old', kind: 'invalid' }, // time <= median-time-past
  TIME_TOO_NEW: { core: 'time-too-new', kind: 'transient' }, // time > now + maxFutureBlockTime
  // Blocks: connect (needs the state)
  SUBSIDY_OVERFLOW: { core: 'bad-cb-amount', kind: 'invalid' }, // subsidy + fees overflows u64
  INVALID_ANCESTOR: { core: 'bad-prevblk', kind: 'invalid' }, // builds on a block already known invalid
  // Chains
  WRONG_CHAIN: { core: null, kind: 'wrong-chain' }, // a different genesis: another network entirely
  BAD_GENESIS: { core: null, kind: 'input' }, // genesis.json is malformed
  // Addresses (user input: wallet, CLI, API, genesis.json)
  BAD_ADDRESS: { core: null, kind: 'input' }, // not a valid bech32m address for this chain
} as const satisfies Record<string, CodeInfo>;

export type RuleCode = keyof typeof RULE_CODES;

/**
 * The shape every refusal in Cairn shares: a stable `code` from one table, a reason that teaches (the
 * message), Bitcoin Core's name where one exists, and the outcome kind every behaviour is derived from.
 * Each family subclasses it with its own table: RuleError (RULE_CODES, here), MempoolError
 * (MEMPOOL_CODES, src/mempool/policy.ts), ProtocolError (PROTOCOL_CODES, src/p2p/framing.ts) and
 * VerifierError (VERIFIER_CODES, src/crypto/verifier.ts).
 */
export abstract class CodedError<C extends string = string> extends Error {
  /** Bitcoin Core's reject reason for the same failure, where one exists. */
  readonly coreName: string | null;
  /** What the failure says about the object (see OutcomeKind). */
  readonly kind: OutcomeKind;

  constructor(
    readonly code: C,
    message: string,
    info: { readonly kind: OutcomeKind; readonly core?: string | null },
  ) {
    super(message);
    this.coreName = info.core ?? null;
    this.kind = info.kind;
  }
}

export class RuleError extends CodedError<RuleCode> {
  override readonly name = 'RuleError';

  constructor(code: RuleCode, message: string) {
    super(code, message, RULE_CODES[code]);
  }
}

export function isRuleError(e: unknown): e is RuleError {
  return e instanceof RuleError;
}

/** Throw a RuleError unless `condition` holds: keeps rule checks to one readable line each. */
export function ensure(
  condition: boolean,
  code: RuleCode,
  message: string | (() => string),
): asserts condition {
  if (!condition) throw new RuleError(code, typeof message === 'function' ? message() : message);
}

/**
 * Whether a failure of this kind marks the block's header invalid for good, so that no body for it and no
 * block built on it is accepted again. Only `invalid` does: a mutated body may be a peer's forgery of an
 * honest header, a header from the future may become timely, an unknown parent may arrive. (Core: a
 * BLOCK_CONSENSUS / BLOCK_INVALID_HEADER result sets BLOCK_FAILED_VALID on the index entry; BLOCK_MUTATED,
 * BLOCK_TIME_FUTURE and BLOCK_MISSING_PREV leave it alone.)
 */
export function condemnsHeader(kind: OutcomeKind): boolean {
  return kind === 'invalid';
}

/** The kind of a rule code (the outcome table's one lookup). */
export function ruleKind(code: RuleCode): OutcomeKind {
  return RULE_CODES[code].kind;
}
