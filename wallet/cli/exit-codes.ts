// The one place where errors become exit statuses and error lines. The numbers are the table shared with
// `cairn` (src/client/exit-codes.ts), which `--help` prints:
//
//   0  success
//   1  anything else (a node that answers nonsense, a tx that did not confirm in time, an I/O error)
//   2  bad input: arguments, amounts, addresses, names, a missing password; nothing was changed
//   3  the node could not be reached (or did not answer in time)
//   4  the node rejected the request; its code is shown (e.g. INSUFFICIENT_FUNDS, BAD_NONCE)
//   5  wrong password, or a corrupt, truncated or tampered keystore
import { CommanderError } from 'commander';
import { isClientError } from '../../src/client/errors.js';
import { exitForClientError, EXIT as SHARED } from '../../src/client/exit-codes.js';
import { isRuleError } from '../../src/consensus/errors.js';
import { isWalletError, type WalletErrorKind } from '../errors.js';

export const EXIT = {
  OK: SHARED.OK,
  GENERIC: SHARED.INTERNAL,
  USAGE: SHARED.USAGE,
  NODE_UNREACHABLE: SHARED.UNREACHABLE,
  NODE_REJECTED: SHARED.REJECTED,
  KEYSTORE: SHARED.KEYSTORE,
} as const;

const BY_KIND: Record<WalletErrorKind, number> = {
  BAD_INPUT: EXIT.USAGE,
  NODE_UNREACHABLE: EXIT.NODE_UNREACHABLE,
  NODE_REJECTED: EXIT.NODE_REJECTED,
  KEYSTORE: EXIT.KEYSTORE,
  FAILED: EXIT.GENERIC,
};

/** The exit status for an error thrown by a command. */
export function exitCodeOf(e: unknown): number {
  if (isClientError(e)) return exitForClientError(e);
  if (isWalletError(e)) return BY_KIND[e.kind];
  // Consensus decoders see user input too: an address (BAD_ADDRESS), a raw tx to broadcast (BAD_ENCODING).
  if (isRuleError(e)) return EXIT.USAGE;
  if (e instanceof CommanderError) {
    return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0
      ? EXIT.OK
      : EXIT.USAGE;
  }
  return EXIT.GENERIC;
}

/** The stable code printed with `--json` (the node's own code for a rejection). */
export function errorCodeOf(e: unknown): string {
  if (isWalletError(e) || isRuleError(e)) return e.code;
  if (e instanceof CommanderError) return 'USAGE';
  return 'ERROR';
}

/** One line, no stack trace. (Set CAIRN_WALLET_DEBUG=1 to see the stack of an unexpected error.) */
export function errorLine(e: unknown, json: boolean): string {
  const message = (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ');
  if (json) return JSON.stringify({ error: { code: errorCodeOf(e), message } });
  return isRuleError(e) ? `error: ${e.code}: ${message}` : `error: ${message}`;
}
