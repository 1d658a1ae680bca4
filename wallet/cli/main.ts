#!/usr/bin/env node
// `cairn-wallet`: keys, encrypted keystores and signed transfers (docs/ARCHITECTURE.md §5, docs/WALLET.md).
// The wallet holds no chain data: it keeps keys, signs locally, and talks to a node over its HTTP API.
import '../../src/polyfill.js';
import { Command, CommanderError } from 'commander';
import { addCompletionCommand } from '../../src/client/completion.js';
import { EXIT_HELP } from '../../src/client/exit-codes.js';
import { ENV } from '../../src/client/help.js';
import { reportFailure } from '../../src/client/report.js';
import { packageVersion } from '../../src/util/package-files.js';
import { badInput } from '../errors.js';
import { registerAddress } from './address.js';
import { registerBalance } from './balance.js';
import { registerBroadcast } from './broadcast.js';
import { registerCreate } from './create.js';
import { debugging, describeWalletError } from './exit-codes.js';
import { registerHistory } from './history.js';
import { registerImport } from './import.js';
import { registerImportDev } from './import-dev.js';
import { registerList } from './list.js';
import { registerSend } from './send.js';
import { registerSign } from './sign.js';

const json = process.argv.includes('--json');
const program = new Command('cairn-wallet')
  .description('Cairn wallet: keys, encrypted keystores and signed transfers (talks to a node over HTTP)')
  .option('--wallet-dir <dir>', 'where keystores live (default $CAIRN_WALLET_DIR or ~/.cairn/wallets)')
  .option('--json', 'print results as one JSON line (errors as {"error": {"code", "message"}} on stderr)')
  .version(packageVersion(), '-V, --version', 'print the version')
  .showSuggestionAfterError(false)
  .addHelpText(
    'after',
    [
      '',
      'Examples:',
      '  $ cairn-wallet import-dev                 # the funded dev keys of a devnet or regtest node',
      '  $ cairn-wallet send --from dev0 --to dev1 --amount 1.5 --wait',
      '  $ cairn-wallet balance dev1 --api localhost:8645',
      '',
      'Environment:',
      ...[ENV.walletDir, ENV.password, ENV.api, ENV.token, ENV.walletDebug].map((e) => `  ${e}`),
      '',
      EXIT_HELP,
    ].join('\n'),
  )
  // Commander throws instead of exiting, so that every failure leaves through the one handler below;
  // with --json its own usage errors are printed there, as the one JSON document.
  .exitOverride()
  .configureOutput({ outputError: (text, write) => (json ? undefined : write(text)) });

for (const register of [
  registerCreate,
  registerImport,
  registerImportDev,
  registerList,
  registerAddress,
  registerBalance,
  registerSend,
  registerHistory,
  registerSign,
  registerBroadcast,
]) {
  register(program);
}
addCompletionCommand(program, (message) => {
  throw badInput('USAGE', message);
});

try {
  await program.parseAsync(process.argv);
} catch (e) {
  const failure = describeWalletError(e);
  if (!(e instanceof CommanderError)) {
    reportFailure(
      failure,
      json,
      failure.code === 'INTERNAL' && debugging() ? (e as Error)?.stack : undefined,
    );
  } else if (json && failure.exitCode !== 0) {
    // Commander printed nothing (outputError above): its usage error becomes the one JSON document.
    reportFailure(failure, true);
  } else {
    process.exitCode = failure.exitCode;
  }
}
