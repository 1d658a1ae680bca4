// `cairn reindex`: rebuild the account state from the stored blocks and report what did not match
// (Core: -reindex-chainstate). It refuses a datadir of another chain before replaying anything.
import type { Command } from 'commander';
import { formatDuration, grouped } from '../client/format.js';
import { action, CliError, EXIT } from './exit-codes.js';
import { type ChainFlags, ENV, helpFooter, plural } from './options.js';

/**
 * One progress line: "replayed 1,500 of 10,000 blocks, 2,340 blocks/s, about 4 s left", and at the end
 * "replayed 10,000 of 10,000 blocks, 2,340 blocks/s".
 */
export function reindexProgress(p: { done: number; total: number; blocksPerSecond: number }): string {
  const rate = `${grouped(Math.round(p.blocksPerSecond))} blocks/s`;
  const left = p.total - p.done;
  const eta =
    left > 0 && p.blocksPerSecond > 0 ? `, about ${formatDuration(left / p.blocksPerSecond)} left` : '';
  return `replayed ${grouped(p.done)} of ${plural(p.total, 'block').replace(/^\d+/, grouped(p.total))}, ${rate}${eta}`;
}

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
        const { ProgressLine } = await import('../client/progress.js');
        const progress = new ProgressLine(!flags.json);
        const result = await reindex(store, params, (p) => {
          if (p.done < p.total) progress.update(() => reindexProgress(p));
          else progress.done(reindexProgress(p));
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
