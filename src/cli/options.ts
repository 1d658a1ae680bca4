// Option parsers and shared helpers for the `cairn` commands. Every flag is checked here, when commander
// parses it, so a bad value fails with one line and exit 2 before anything starts. This module is loaded
// for every command, so it imports no chain code: that is in chain-options.ts, loaded by the actions.
import { type Command, InvalidArgumentError } from 'commander';
import { ApiClient } from '../client/api-client.js';
import { DEFAULT_API, resolveApiToken, resolveApiUrl } from '../client/api-url.js';

export { plural } from '../client/format.js';
export { ENV, helpFooter } from '../client/help.js';

/** The flags of the commands that open a datadir (the values are read in chain-options.ts). */
export interface ChainFlags {
  readonly datadir?: string;
  readonly regtest?: boolean;
  readonly genesis?: string;
}

/** A strictly positive integer option (blocks, threads, ports…), with a clear message otherwise. */
export function positiveInt(name: string, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
      throw new InvalidArgumentError(`--${name} must be a whole number from 1 to ${max}.`);
    }
    return Number(value);
  };
}

/** A TCP port: 0 (pick a free one) to 65535. */
export function port(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) > 65535) {
      throw new InvalidArgumentError(`--${name} must be a port number from 0 to 65535.`);
    }
    return Number(value);
  };
}

/** `--wait [SECONDS]`: how long a read command waits for the node to come up (Core: -rpcwait). */
export const DEFAULT_WAIT_SECONDS = 30;

function waitSeconds(value: string): number {
  if (!/^\d+(\.\d+)?$/.test(value) || Number(value) <= 0 || Number(value) > 86_400) {
    throw new InvalidArgumentError('--wait takes a number of seconds from 0 to 86400.');
  }
  return Number(value);
}

export interface ApiFlags {
  readonly api?: string;
  readonly apiToken?: string;
  readonly apiTokenFile?: string;
  readonly wait?: number | true;
  readonly json?: boolean;
}

/** The options of every command that talks to a running node. */
export function apiOptions(cmd: Command): Command {
  return cmd
    .option('--api <url>', `the node API, e.g. ${DEFAULT_API} or localhost:8645 (default $CAIRN_API)`)
    .option('--api-token <token>', 'sent as "Authorization: Bearer <token>" (default $CAIRN_API_TOKEN)')
    .option('--api-token-file <file>', 'read the API token from the first line of this file')
    .option(
      '--wait [seconds]',
      `wait up to SECONDS (default ${DEFAULT_WAIT_SECONDS}) for the node to answer instead of failing`,
      waitSeconds,
    )
    .option('--json', 'print one compact JSON document (errors as {"error":{"code","message"}} on stderr)');
}

/** The client for `flags`; with --wait, returns once the node answers. */
export async function connect(flags: ApiFlags): Promise<ApiClient> {
  const client = new ApiClient(resolveApiUrl(flags.api, process.env), {
    token: resolveApiToken(flags, process.env),
  });
  if (flags.wait !== undefined) {
    await client.waitUntilUp(flags.wait === true ? DEFAULT_WAIT_SECONDS : flags.wait);
  }
  return client;
}

/** Prints `value` as one compact JSON document, or as aligned "label  value" lines for people. */
export function printRecord(json: boolean, value: object, rows: readonly [string, unknown][]): void {
  if (json) {
    console.log(JSON.stringify(value));
    return;
  }
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, v] of rows) console.log(`${label.padEnd(width)}  ${v}`);
}
