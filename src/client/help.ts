// The end of every command's --help in both CLIs: examples, then the environment variables it reads.
import type { Command } from 'commander';

export function helpFooter(cmd: Command, examples: readonly string[], env: readonly string[]): Command {
  const lines = ['', 'Examples:', ...examples.map((e) => `  $ ${e}`)];
  if (env.length > 0) lines.push('', 'Environment:', ...env.map((e) => `  ${e}`));
  return cmd.addHelpText('after', lines.join('\n'));
}

/** The environment variables both CLIs read, each described once. */
export const ENV = {
  api: 'CAIRN_API              the node API when --api is not given',
  token: 'CAIRN_API_TOKEN        the API token when neither --api-token nor --api-token-file is given',
  log: 'CAIRN_LOG_LEVEL        log level: trace, debug, info (default), warn, error',
  debug: 'CAIRN_DEBUG            set to 1 to print the stack of an unexpected error',
  walletDir: 'CAIRN_WALLET_DIR       the wallet directory when --wallet-dir is not given',
  password: 'CAIRN_WALLET_PASSWORD  the keystore password when --password-file is not given',
  walletDebug: 'CAIRN_WALLET_DEBUG     set to 1 to print the stack of an unexpected error',
} as const;
