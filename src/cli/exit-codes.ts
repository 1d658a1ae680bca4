// The one place that turns errors into what a person sees on stderr and the exit code a script sees.
// User mistakes get one clear line (with the rule code where there is one) and never a stack trace.
// The numbers are the table shared with `cairn-wallet` (src/client/exit-codes.ts); every coded refusal
// (rule, mempool, protocol, verifier: CodedError) maps by its outcome kind, never by a list of codes.
import { ClientError } from '../client/errors.js';
import { EXIT, exitForClientError, exitForKind } from '../client/exit-codes.js';
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

export interface Described {
  readonly line: string;
  readonly exitCode: number;
  /** The stable code `--json` prints. */
  readonly code: string;
  readonly message: string;
}

export function describeError(e: unknown): Described {
  const coded = (message: string, code: string, exitCode: number): Described => ({
    line: `${message} [${code}]`,
    exitCode,
    code,
    message,
  });
  if (e instanceof CliError) {
    const code = e.code ?? (e.exitCode === EXIT.USAGE ? 'USAGE' : 'ERROR');
    return e.code
      ? coded(e.message, e.code, e.exitCode)
      : { line: e.message, exitCode: e.exitCode, code, message: e.message };
  }
  if (e instanceof ClientError) {
    const exitCode = exitForClientError(e);
    const { url, reason, status, nodeMessage } = e.detail;
    if (e.kind === 'NODE_UNREACHABLE') {
      const message = `cannot reach the node at ${url} (${reason}): is \`cairn start\` running? (--wait waits for it)`;
      return { line: message, exitCode, code: e.code, message };
    }
    if (e.kind === 'NODE_REJECTED' && nodeMessage !== undefined) {
      const message = status === 404 ? `not found: ${nodeMessage}` : `the node refused: ${nodeMessage}`;
      return coded(message, e.code, exitCode);
    }
    return coded(e.message, e.code, exitCode);
  }
  // A rule, mempool, protocol or verifier refusal: the exit follows its outcome kind alone.
  if (e instanceof CodedError) return coded(e.message, e.code, exitForKind(e.kind));
  if (e instanceof StorageError) return coded(e.message, e.code, EXIT.DATADIR);
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'EACCES' || err?.code === 'ENOSPC' || err?.code === 'EROFS') {
    return coded(err.message, err.code, EXIT.DATADIR);
  }
  const detail = process.env.CAIRN_DEBUG
    ? `\n${(e as Error)?.stack ?? String(e)}`
    : ' (set CAIRN_DEBUG=1 for details)';
  const message = `unexpected error: ${(e as Error)?.message ?? String(e)}`;
  return { line: `${message}${detail}`, exitCode: EXIT.INTERNAL, code: 'INTERNAL', message };
}

/** Prints an error the way every command does: one line on stderr, or one JSON line with --json. */
export function reportError(e: unknown, json: boolean): void {
  const d = describeError(e);
  process.stderr.write(
    json ? `${JSON.stringify({ error: { code: d.code, message: d.message } })}\n` : `cairn: ${d.line}\n`,
  );
  process.exitCode = d.exitCode;
}

/** Runs a command's action, printing any error as one line on stderr and setting the exit code. */
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
