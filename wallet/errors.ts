// The wallet's errors. Like the node's RuleError, an error here is data: a stable `code` that scripts can
// match on (it is what `--json` prints), a one-line message that tells a person what to do next, and a
// `kind` that says whose problem it is. The CLI turns the kind into an exit status in exactly one place
// (wallet/cli/exit-codes.ts), so every command fails the same way for the same reason.
//
// Messages never carry a secret: no password, private key or mnemonic is ever put into one.
//
// The node client shared with `cairn` (src/client) throws ClientError, whose kinds are a subset of these
// with the same meaning; isWalletError accepts it, so every command handles both the same way.
import { ClientError } from '../src/client/errors.js';

/**
 * Whose problem it is:
 * - BAD_INPUT: the user's arguments (a bad amount, address, name, missing password, …);
 * - NODE_UNREACHABLE: no node answered at the API URL (or it answered too slowly);
 * - NODE_REJECTED: the node answered with a 4xx `{"error":{"code","message"}}` (e.g. BAD_NONCE);
 * - REJECTED: a chain rule refuses it and the wallet knows before asking the node (INSUFFICIENT_FUNDS);
 * - KEYSTORE: a wrong password, or a keystore file that is corrupt, truncated or tampered with;
 * - FAILED: anything else (a node that answers nonsense, a tx that never confirms, an I/O error).
 */
export type WalletErrorKind =
  | 'BAD_INPUT'
  | 'NODE_UNREACHABLE'
  | 'NODE_REJECTED'
  | 'REJECTED'
  | 'KEYSTORE'
  | 'FAILED';

export class WalletError extends Error {
  override readonly name: string = 'WalletError';

  constructor(
    readonly kind: WalletErrorKind,
    /** Stable, SCREAMING_SNAKE_CASE; for NODE_REJECTED it is the node's own code. */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function isWalletError(e: unknown): e is WalletError {
  return e instanceof WalletError || e instanceof ClientError;
}

/** A user mistake: exit status 2 and nothing changed. */
export function badInput(code: string, message: string): WalletError {
  return new WalletError('BAD_INPUT', code, message);
}

/** Quote user-supplied text for an error message, cut short so a pasted megabyte cannot flood the terminal. */
export function quote(text: string, max = 48): string {
  const shown = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(shown);
}
