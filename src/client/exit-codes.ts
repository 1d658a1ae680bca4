// The exit statuses of `cairn` and `cairn-wallet`: one table, so a script reads both the same way, and
// one mapping from each error family to it. Rule and mempool refusals go by their outcome kind
// (src/consensus/errors.ts, contract 1): input → USAGE, wrong-chain → DATADIR, anything else → REJECTED.
// Every failure a script may want to tell apart has its own number: bad usage, not found, a rule's
// refusal, no node, a locked (or foreign) datadir, a keystore that will not open.
import { type OutcomeKind, RULE_CODES, type RuleCode } from '../consensus/errors.js';
import type { ClientError } from './errors.js';

export const EXIT = {
  OK: 0,
  /** Something unexpected: a bug, a node that answers nonsense, the machine (disk full, …). */
  INTERNAL: 1,
  /** Bad command-line input (an argument, a flag, an amount, an address, a file); nothing was changed. */
  USAGE: 2,
  /** The node's API could not be reached, or did not answer in time. */
  UNREACHABLE: 3,
  /** A chain or mempool rule (or the node) refused the request; the code is printed. */
  REJECTED: 4,
  /**
   * `cairn`'s datadir is unusable: locked by another process (DATADIR_LOCKED: a running node holds it),
   * holding another chain (WRONG_CHAIN), written by a newer schema, or not usable at all
   * (DATADIR_UNUSABLE: not a directory, a database that does not open, a damaged peer key).
   */
  DATADIR: 5,
  /** The node has no such block or tx (`cairn block`, `cairn tx`). */
  NOT_FOUND: 6,
  /** `cairn-wallet`'s keystore is unusable: a wrong password, or a corrupt, truncated or tampered file. */
  KEYSTORE: 7,
} as const;

/** The table as `--help` and the README show it. */
export const EXIT_HELP = `Exit status (the same in cairn and cairn-wallet):
  0  success
  1  unexpected failure (a bug, a node that answers nonsense, an I/O error)
  2  bad input: an argument, flag, amount, address or file; nothing was changed
  3  the node could not be reached (or did not answer in time)
  4  refused by a chain or mempool rule, or by the node (the code is printed)
  5  the datadir is locked by a running node, holds another chain (WRONG_CHAIN),
     or cannot be used, nor its peer key (DATADIR_UNUSABLE)
  6  not found: the node has no such block or tx
  7  the keystore cannot be opened: a wrong password, or a corrupt keystore`;

/** Contract 1: the CLI exit of a rule or mempool refusal, derived from its outcome kind alone. */
export function exitForKind(kind: OutcomeKind): number {
  if (kind === 'input') return EXIT.USAGE;
  if (kind === 'wrong-chain') return EXIT.DATADIR;
  return EXIT.REJECTED;
}

/** The exit of an API client error; a node's refusal with a known rule code goes by that code's kind. */
export function exitForClientError(e: ClientError): number {
  switch (e.kind) {
    case 'BAD_INPUT':
      return EXIT.USAGE;
    case 'NODE_UNREACHABLE':
      return EXIT.UNREACHABLE;
    case 'NODE_REJECTED':
      if (e.detail.status === 404 || e.code === 'NOT_FOUND') return EXIT.NOT_FOUND;
      if (e.code === 'UNAUTHORIZED') return EXIT.USAGE;
      return Object.hasOwn(RULE_CODES, e.code) && RULE_CODES[e.code as RuleCode].kind === 'input'
        ? EXIT.USAGE
        : EXIT.REJECTED;
    case 'FAILED':
      return EXIT.INTERNAL;
  }
}
