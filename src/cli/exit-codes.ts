// The one place that turns errors into what a person sees on stderr and the exit code a script sees.
// User mistakes get one clear line (with the rule code where there is one) and never a stack trace.
import { RuleError } from '../consensus/errors.js';
import { MempoolError } from '../mempool/policy.js';
import { StorageError } from '../storage/index.js';

export const EXIT = {
  OK: 0,
  /** Something unexpected: a bug, or the machine (disk full, …). */
  INTERNAL: 1,
  /** Bad command-line input: a malformed address, number, file. */
  USAGE: 2,
  /** The node's API could not be reached. */
  UNREACHABLE: 3,
  /** A chain or mempool rule rejected the request (the code is printed). */
  REJECTED: 4,
  /** The datadir is unusable: locked by another process, another chain, a newer schema. */
  DATADIR: 5,
} as const;

/** An error whose message is already the one line to print, with the exit code to use. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.USAGE,
    readonly code?: string,
  ) {
    super(message);
  }
}

export function describeError(e: unknown): { line: string; exitCode: number } {
  if (e instanceof CliError)
    return { line: e.code ? `${e.message} [${e.code}]` : e.message, exitCode: e.exitCode };
  if (e instanceof RuleError) {
    const exitCode =
      e.code === 'BAD_ADDRESS' || e.code === 'BAD_GENESIS'
        ? EXIT.USAGE
        : e.code === 'WRONG_CHAIN'
          ? EXIT.DATADIR
          : EXIT.REJECTED;
    return { line: `${e.message} [${e.code}]`, exitCode };
  }
  if (e instanceof MempoolError) return { line: `${e.message} [${e.code}]`, exitCode: EXIT.REJECTED };
  if (e instanceof StorageError) return { line: `${e.message} [${e.code}]`, exitCode: EXIT.DATADIR };
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'EACCES' || err?.code === 'ENOSPC' || err?.code === 'EROFS') {
    return { line: `${err.message} [${err.code}]`, exitCode: EXIT.DATADIR };
  }
  const detail = process.env.CAIRN_DEBUG
    ? `\n${(e as Error)?.stack ?? String(e)}`
    : ' (set CAIRN_DEBUG=1 for details)';
  return {
    line: `unexpected error: ${(e as Error)?.message ?? String(e)}${detail}`,
    exitCode: EXIT.INTERNAL,
  };
}

/** Runs a command's action, printing any error as one line on stderr and setting the exit code. */
export function action<A extends unknown[]>(
  fn: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      const { line, exitCode } = describeError(e);
      process.stderr.write(`cairn: ${line}\n`);
      process.exitCode = exitCode;
    }
  };
}
