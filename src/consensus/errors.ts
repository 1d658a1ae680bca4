// Errors are data. Every rejection anywhere in Cairn is a RuleError with a stable `code` (tests and peers
// match on it), a one-line reason that teaches, and the Bitcoin Core reject reason where one exists.
// Layers above map codes to behaviour in exactly one place each: gossip ACCEPT/IGNORE/REJECT
// (src/p2p), HTTP statuses (src/api), CLI exit codes (src/cli).

/**
 * Every consensus rule code, with the Bitcoin Core reject reason it corresponds to (or null where Cairn's
 * account model has no Core equivalent). Adding a rule means adding its code here, a fixture that
 * triggers it in test/consensus/rule-fixtures.test.ts, and a line in docs/PROTOCOL.md.
 */
export const RULE_CODES = {
  // Encoding (decoders): the bytes are not a well-formed object at all.
  BAD_ENCODING: null, // truncated input, trailing bytes, out-of-range field
  BAD_VERSION: null, // unknown tx or header version
  // Transactions
  BAD_AMOUNT: 'bad-txns-vout-negative', // amount must be >= 1
  AMOUNT_OVERFLOW: 'bad-txns-txouttotal-toolarge', // amount + fee overflows u64
  BAD_PUBKEY: null, // `from` is not a valid compressed secp256k1 point
  BAD_SIGNATURE: 'mandatory-script-verify-flag-failed', // ECDSA check failed
  HIGH_S: 'non-mandatory-script-verify-flag (Non-canonical signature: S value is unnecessarily high)',
  BAD_NONCE: 'bad-txns-nonce', // nonce != account nonce (account model; Core: missing/spent inputs)
  INSUFFICIENT_FUNDS: 'bad-txns-in-belowout', // balance < amount + fee
  BALANCE_OVERFLOW: null, // recipient balance would exceed u64
  // Blocks: sanity (no context needed)
  HIGH_HASH: 'high-hash', // proof of work does not meet the target in `bits`
  BAD_TARGET: 'bad-diffbits', // bits encode a negative, zero, overflowing or too-easy target
  BAD_MERKLE_ROOT: 'bad-txnmrklroot',
  DUPLICATE_TX: 'bad-txns-duplicate',
  BLOCK_TOO_LARGE: 'bad-blk-length',
  // Blocks: header context (needs the parent and its ancestors)
  UNKNOWN_PARENT: 'prev-blk-not-found',
  BAD_HEIGHT: 'bad-cb-height', // height != parent height + 1
  BAD_DIFFBITS: 'bad-diffbits', // bits != what ASERT requires
  TIME_TOO_OLD: 'time-too-old', // time <= median-time-past
  TIME_TOO_NEW: 'time-too-new', // time > now + maxFutureBlockTime
  // Blocks: connect (needs the state)
  SUBSIDY_OVERFLOW: 'bad-cb-amount', // subsidy + fees overflows u64
  INVALID_ANCESTOR: 'bad-prevblk', // builds on a block already known invalid
  // Chains
  WRONG_CHAIN: null, // a different genesis: another network entirely
  BAD_GENESIS: null, // genesis.json is malformed
  // Addresses (user input: wallet, CLI, API, genesis.json)
  BAD_ADDRESS: null, // not a valid bech32m address for this chain
} as const satisfies Record<string, string | null>;

export type RuleCode = keyof typeof RULE_CODES;

export class RuleError extends Error {
  override readonly name = 'RuleError';
  /** Bitcoin Core's reject reason for the same rule, where one exists. */
  readonly coreName: string | null;

  constructor(
    readonly code: RuleCode,
    message: string,
  ) {
    super(message);
    this.coreName = RULE_CODES[code];
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
