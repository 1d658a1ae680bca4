// The one place that turns errors into what a person sees and the exit code a script sees. User
// mistakes get one clear line (with the rule code where there is one) and never a stack trace; the line
// and the --json document are printed by src/client/report.ts, the same as in `cairn-wallet`. The numbers
// are the table shared with `cairn-wallet` (src/client/exit-codes.ts); every coded refusal (rule, mempool,
// protocol, verifier: CodedError) maps by its outcome kind, never by a list of codes.
import { ClientError } from '../client/errors.js';
import { EXIT, exitForKind } from '../client/exit-codes.js';
import { describeClientError, type Failure, internalFailure, reportFailure } from '../client/report.js';
import { CodedError } from '../consensus/errors.js';
import { StorageError } from '../storage/errors.js';

export { EXIT } from '../client/exit-codes.js';

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

export function describeError(e: unknown): Failure {
  if (e instanceof CliError) {
    return {
      code: e.code ?? (e.exitCode === EXIT.USAGE ? 'USAGE' : 'ERROR'),
      message: e.message,
      exitCode: e.exitCode,
    };
  }
  if (e instanceof ClientError) return describeClientError(e, true);
  // A rule, mempool, protocol or verifier refusal: the exit follows its outcome kind alone.
  if (e instanceof CodedError) return { code: e.code, message: e.message, exitCode: exitForKind(e.kind) };
  if (e instanceof StorageError) {
    return { code: e.code, message: e.message, exitCode: EXIT.DATADIR };
  }
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'EACCES' || err?.code === 'ENOSPC' || err?.code === 'EROFS') {
    return { code: err.code, message: err.message, exitCode: EXIT.DATADIR };
  }
  return internalFailure(e, Boolean(process.env.CAIRN_DEBUG));
}

/** Prints an error the way every command does: one line on stderr, or one JSON document on stdout. */
export function reportError(e: unknown, json: boolean): void {
  const f = describeError(e);
  const trace =
    f.code === 'INTERNAL' && process.env.CAIRN_DEBUG ? ((e as Error)?.stack ?? String(e)) : undefined;
  reportFailure(f, json, trace);
}

/** Runs a command's action, printing any error the one way and setting the exit code. */
export function action<A extends unknown[]>(
  fn: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      const flags = args.find((a) => typeof a === 'object' && a !== null && 'json' in a) as
        | { json?: boolean }
        | undefined;
      reportError(e, flags?.json === true || process.argv.includes('--json'));
    }
  };
}
