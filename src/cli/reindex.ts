// `cairn reindex`: rebuild the account state from the stored blocks and report what did not match
// (Core: -reindex-chainstate). It refuses a datadir of another chain before replaying anything.
import type { Command } from 'commander';
import { action, CliError, EXIT } from './exit-codes.js';
import { type ChainFlags, ENV, helpFooter, plural } from './options.js';

export function reindexCommand(program: Command): void {
  const cmd = program
    .command('reindex')
    .description('rebuild and verify the account state from the blocks stored in the datadir')
    .option('--datadir <dir>', 'the node data directory (default ~/.cairn/<network>)')
    .option('--regtest', 'the datadir holds the built-in regtest chain')
    .option('--genesis <file>', 'the chain parameters (default: the genesis.json shipped with Cairn)')
    .option('--json', 'print the result as one compact JSON document');
  helpFooter(cmd, ['cairn reindex --regtest --datadir ./regtest-data', 'cairn reindex --json'], [ENV.debug]);
  cmd.action(
    action(async (flags: ChainFlags & { json?: boolean }) => {
      const { chainParams, datadir } = await import('./chain-options.js');
      const { checkStoredChain } = await import('./datadir-check.js');
      const params = chainParams(flags);
      const { ChainStore } = await import('../storage/index.js');
      const { reindex } = await import('../chain/reindex.js');
      const store = await ChainStore.open(datadir(flags, params));
      try {
        const stored = await store.getMainHash(0);
        if (!stored) throw new CliError(`datadir ${store.dir} holds no chain yet`, EXIT.DATADIR, 'NO_CHAIN');
        await checkStoredChain(store, params, flags);
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
          console.log(`rebuilt ${plural(summary.accounts, 'account')} at height ${summary.height}`);
          console.log(
            summary.mismatchedAccounts === 0 && summary.storedDigestMatched
              ? 'the stored state matched the blocks exactly'
              : `the stored state differed: ${plural(summary.mismatchedAccounts, 'account')} corrected`,
          );
        }
      } finally {
        await store.close();
      }
    }),
  );
}
