// `cairn reindex`: verify every record in the datadir, keep the longest valid prefix of the main chain,
// and rebuild the account state from it, reporting every damaged record (CORRUPT_RECORD with the block's
// height and hash) and how many blocks it kept and took off the main chain (Core: -reindex-chainstate;
// docs/STORAGE.md "Recovery"). It first copies every readable record into a fresh LevelDB database, and
// refuses a datadir of another chain before changing anything.
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
    .description(
      'verify every stored record, keep the longest valid prefix of the main chain, rebuild the state from it',
    )
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
      const { reindexDatadir } = await import('../chain/reindex.js');
      const { ProgressLine } = await import('../client/progress.js');
      const progress = new ProgressLine(!flags.json);
      const result = await reindexDatadir(datadir(flags, params), params, {
        beforeChange: async (store) => {
          const stored = await store.getMainHash(0);
          if (!stored)
            throw new CliError(`datadir ${store.dir} holds no chain yet`, EXIT.DATADIR, 'NO_CHAIN');
          await checkStoredChain(store, params, flags);
        },
        onCopied: (copy) => {
          if (flags.json) return;
          process.stderr.write(
            `copied ${plural(copy.copied, 'record')} into a fresh database` +
              (copy.damagedBlocks > 0 ? `; ${plural(copy.damagedBlocks, 'damaged LevelDB block')}` : '') +
              (copy.lost > 0 ? `; ${plural(copy.lost, 'record')} left behind` : '') +
              '\n',
          );
        },
        onProgress: (p) => {
          if (p.done < p.total) progress.update(() => reindexProgress(p));
          else progress.done(reindexProgress(p));
        },
      });
      const summary = {
        height: result.height,
        storedHeight: result.storedHeight ?? null,
        dropped: result.dropped,
        damage: result.damage,
        accounts: result.replay.accounts.size,
        mismatchedAccounts: result.mismatchedAccounts,
        storedDigestMatched: result.storedDigestMatches,
        recordsCopied: result.recordsCopied,
        recordsLost: result.recordsLost,
        damagedBlocks: result.damagedBlocks,
      };
      if (flags.json) {
        console.log(JSON.stringify(summary));
        return;
      }
      for (const d of result.damage) console.log(`${d.code}: ${d.message}`);
      if (result.dropped > 0) {
        console.log(
          `kept the main chain up to height ${result.height}; took ${plural(result.dropped, 'block')} ` +
            `(heights ${result.height + 1}-${result.height + result.dropped}) off it: the node reconnects ` +
            'those whose stored bodies are intact when it starts, and fetches the rest from its peers',
        );
      }
      console.log(`rebuilt ${plural(summary.accounts, 'account')} at height ${summary.height}`);
      console.log(
        summary.mismatchedAccounts === 0 && summary.storedDigestMatched
          ? 'the stored state matched the blocks exactly'
          : `the stored state differed: ${plural(summary.mismatchedAccounts, 'account')} corrected`,
      );
      if (result.damage.length === 0) console.log('every record checked: no damage found');
    }),
  );
}
