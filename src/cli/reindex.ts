// `cairn reindex`: rebuild the account state from the stored blocks and report what did not match.
import type { Command } from 'commander';
import { reindex } from '../chain/reindex.js';
import { ChainStore } from '../storage/index.js';
import { action, CliError, EXIT } from './exit-codes.js';
import { type ChainFlags, chainParams, datadir } from './options.js';

export function reindexCommand(program: Command): void {
  program
    .command('reindex')
    .description('rebuild and verify the account state from the blocks stored in the datadir')
    .option('--datadir <dir>', 'the node data directory (default ~/.cairn/<network>)')
    .option('--regtest', 'the datadir holds the built-in regtest chain')
    .option('--genesis <file>', 'the chain parameters (default: the genesis.json shipped with Cairn)')
    .option('--json', 'print the result as JSON')
    .action(
      action(async (flags: ChainFlags & { json?: boolean }) => {
        const params = chainParams(flags);
        const store = await ChainStore.open(datadir(flags, params));
        try {
          const stored = await store.getMainHash(0);
          if (!stored) throw new CliError(`datadir ${store.dir} holds no chain yet`, EXIT.DATADIR);
          let last = 0;
          const result = await reindex(store, params, (p) => {
            const now = Date.now();
            if (!flags.json && (now - last > 1000 || p.done === p.total)) {
              last = now;
              process.stderr.write(
                `replayed ${p.done}/${p.total} blocks (${p.blocksPerSecond.toFixed(0)} blocks/s)\n`,
              );
            }
          });
          const summary = {
            height: result.height,
            accounts: result.replay.accounts.size,
            mismatchedAccounts: result.mismatchedAccounts,
            storedDigestMatched: result.storedDigestMatches,
          };
          if (flags.json) console.log(JSON.stringify(summary));
          else {
            console.log(`rebuilt ${summary.accounts} accounts at height ${summary.height}`);
            console.log(
              summary.mismatchedAccounts === 0 && summary.storedDigestMatched
                ? 'the stored state matched the blocks exactly'
                : `the stored state differed: ${summary.mismatchedAccounts} accounts corrected`,
            );
          }
        } finally {
          await store.close();
        }
      }),
    );
}
