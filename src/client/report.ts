// How both CLIs print a failure, so `cairn` and `cairn-wallet` fail the same way:
//   - for people, ONE line on stderr: "error: <what happened and what to do> [CODE]";
//   - with --json, ONE compact document on stdout, `{"error":{"code","message"}}`, and nothing else;
//   - the exit status from the shared table (exit-codes.ts).
// `error:` is also the prefix commander gives its own usage errors, so every failure starts the same way
// (bitcoin-cli and cast print "error:" too).
import type { ClientError } from './errors.js';
import { EXIT, exitForClientError } from './exit-codes.js';

export interface Failure {
  /** Stable, SCREAMING_SNAKE_CASE: what scripts match on. */
  readonly code: string;
  /** For people: may change. */
  readonly message: string;
  readonly exitCode: number;
}

const ERROR_PREFIX = 'error: ';

/** Codes that say nothing the message and the exit status do not already say: not repeated in brackets. */
const UNSHOWN_CODES: ReadonlySet<string> = new Set(['USAGE', 'INTERNAL']);

/** The line for people: "error: message [CODE]", on one line whatever the message holds. */
function errorLine(f: Pick<Failure, 'code' | 'message'>): string {
  const message = f.message.replace(/\s*\n\s*/g, ' ');
  return `${ERROR_PREFIX}${message}${UNSHOWN_CODES.has(f.code) ? '' : ` [${f.code}]`}`;
}

/** The document for scripts: `{"error":{"code","message"}}`, compact. */
function errorDocument(f: Pick<Failure, 'code' | 'message'>): string {
  return JSON.stringify({ error: { code: f.code, message: f.message } });
}

/**
 * Prints `f` the one way (stdout with --json, stderr otherwise) and sets the exit status. `trace` (a stack,
 * when the user asked for it with CAIRN_DEBUG=1) follows the line for people; it never goes into JSON.
 */
export function reportFailure(f: Failure, json: boolean, trace?: string): void {
  if (json) process.stdout.write(`${errorDocument(f)}\n`);
  else process.stderr.write(`${errorLine(f)}\n${trace ? `${trace}\n` : ''}`);
  process.exitCode = f.exitCode;
}

/** A CommanderError's message ("error: unknown option '--x'") as a Failure of code USAGE. */
export function usageFailure(message: string, exitCode: number): Failure {
  return { code: 'USAGE', message: message.replace(/^error: /, '').trim(), exitCode };
}

/** A failure nobody foresaw (a bug): its message, and how to see the stack unless `debug` shows it already. */
export function internalFailure(e: unknown, debug: boolean): Failure {
  const hint = debug ? '' : ' (set CAIRN_DEBUG=1 for details)';
  return {
    code: 'INTERNAL',
    message: `unexpected error: ${(e as Error)?.message ?? String(e)}${hint}`,
    exitCode: EXIT.INTERNAL,
  };
}

/**
 * The words for a failed request to the node, the same in both CLIs. `waitHint`: the command has
 * `--wait` (cairn's read commands), so say that it can wait for the node to come up.
 */
export function describeClientError(e: ClientError, waitHint = false): Failure {
  const exitCode = exitForClientError(e);
  const { url, reason, status, nodeMessage } = e.detail;
  if (e.kind === 'NODE_UNREACHABLE') {
    return {
      code: e.code,
      exitCode,
      message: `cannot reach the node at ${url} (${reason}): is \`cairn start\` running?${waitHint ? ' (--wait waits for it)' : ''}`,
    };
  }
  if (e.kind === 'NODE_REJECTED' && nodeMessage !== undefined) {
    const message = status === 404 ? `not found: ${nodeMessage}` : `the node refused: ${nodeMessage}`;
    return { code: e.code, exitCode, message };
  }
  return { code: e.code, exitCode, message: e.message };
}
