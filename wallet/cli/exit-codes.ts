// The one place where the wallet's errors become exit statuses and printed failures. The numbers are the
// table shared with `cairn` (src/client/exit-codes.ts, printed by `--help`), and the printing is the one
// both CLIs use (src/client/report.ts): "error: message [CODE]" on stderr, or with --json one
// {"error":{"code","message"}} document on stdout.
import { CommanderError } from 'commander';
import { isClientError } from '../../src/client/errors.js';
import { EXIT } from '../../src/client/exit-codes.js';
import { describeClientError, type Failure, internalFailure, usageFailure } from '../../src/client/report.js';
import { isRuleError } from '../../src/consensus/errors.js';
import { isWalletError, type WalletErrorKind } from '../errors.js';

export { EXIT } from '../../src/client/exit-codes.js';

const BY_KIND: Record<WalletErrorKind, number> = {
  BAD_INPUT: EXIT.USAGE,
  NODE_UNREACHABLE: EXIT.UNREACHABLE,
  NODE_REJECTED: EXIT.REJECTED,
  REJECTED: EXIT.REJECTED,
  KEYSTORE: EXIT.KEYSTORE,
  FAILED: EXIT.INTERNAL,
};

/** What a command's failure means: its code, its message and its exit status. */
export function describeWalletError(e: unknown): Failure {
  if (isClientError(e)) return describeClientError(e);
  if (isWalletError(e)) return { code: e.code, message: e.message, exitCode: BY_KIND[e.kind] };
  // Consensus decoders see user input too: an address (BAD_ADDRESS), a raw tx to broadcast (BAD_ENCODING).
  if (isRuleError(e)) return { code: e.code, message: e.message, exitCode: EXIT.USAGE };
  if (e instanceof CommanderError) {
    const ok = e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0;
    return usageFailure(e.message, ok ? EXIT.OK : EXIT.USAGE);
  }
  return internalFailure(e, debugging());
}

/** CAIRN_DEBUG=1 (or the older CAIRN_WALLET_DEBUG=1) prints the stack of an unexpected error. */
export function debugging(): boolean {
  return Boolean(process.env.CAIRN_DEBUG) || process.env.CAIRN_WALLET_DEBUG === '1';
}
