// `cairn mine`: mine blocks into a datadir with no network: the "mine blocks locally" job. A RUNNING node
// holds its datadir, so for it the same job is `cairn generate N` through its API.
import type { Command } from 'commander';
import { action, CliError, EXIT } from './exit-codes.js';
import { type ChainFlags, ENV, helpFooter, positiveInt } from './options.js';

interface MineFlags extends ChainFlags {
  readonly blocks: number;
  readonly to: string;
  readonly threads: number;
  readonly json?: boolean;
}

export function mineCommand(program: Command): void {
  const cmd = program
    .command('mine')
    .description('mine N blocks into a datadir no node is running on, and print each height and hash')
    .option('--datadir <dir>', 'the node data directory (default ~/.cairn/<network>)')
    .option('--regtest', 'use the built-in regtest chain: trivial proof of work, instant blocks')
    .option('--genesis <file>', 'the chain parameters (default: the genesis.json shipped with Cairn)')
    .requiredOption('--blocks <n>', 'how many blocks to mine', positiveInt('blocks', 1_000_000))
    .requiredOption('--to <address>', 'the address credited with the block rewards')
    .option('--threads <n>', 'mining worker threads', positiveInt('threads', 256), 1)
    .option(
      '--json',
      'print one compact JSON document at the end: the blocks, the seconds, the hashes tried and their rate',
    );
  helpFooter(
    cmd,
    [
      'cairn mine --regtest --blocks 10 --to cairn1…',
      'cairn generate 10        # the same, through the API of a running node',
    ],
    [ENV.debug],
  );
  cmd.action(
    action(async (flags: MineFlags) => {
      const { address, chainParams, datadir } = await import('./chain-options.js');
      const { checkDatadirChain } = await import('./datadir-check.js');
      const params = chainParams(flags);
      const to = address(flags.to, params);
      const dir = datadir(flags, params);
      const { DatadirLockedError } = await import('../storage/index.js');
      let services: Awaited<ReturnType<typeof import('../node/services.js').openServices>>;
      try {
        await checkDatadirChain(dir, params, flags);
        const { openServices } = await import('../node/services.js');
        const { silentLogger } = await import('../util/logger.js');
        services = await openServices({
          datadir: dir,
          params,
          logger: silentLogger(),
          minerThreads: flags.threads,
          verifyThreads: 1,
        });
      } catch (e) {
        if (e instanceof DatadirLockedError) {
          throw new CliError(
            `${e.message}: a running node mines through its API instead: \`cairn generate ${flags.blocks} --to ${flags.to}\``,
            EXIT.DATADIR,
            e.code,
          );
        }
        throw e;
      }
      const { toHex } = await import('../consensus/bytes.js');
      const { ProgressLine } = await import('../client/progress.js');
      const { formatDuration, formatRate, plural } = await import('../client/format.js');
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const miner = services.miner!;
      // Blocks found go to stdout as they come (height and hash, for scripts); how it goes (blocks found,
      // hash rate) to stderr, once a second or so. With --json: one document at the end, nothing else.
      const found: { height: number; hash: string; txs: number }[] = [];
      const progress = new ProgressLine(!flags.json);
      const started = performance.now();
      const hashesBefore = miner.hashes();
      const status = () =>
        `mining: ${found.length} of ${plural(flags.blocks, 'block')} found, ${formatRate(miner.hashrate(), 'H/s')}` +
        ` (${plural(flags.threads, 'thread')})`;
      miner.on('block:mined', (b) => {
        const block = { height: b.height, hash: toHex(b.hash), txs: b.txCount };
        found.push(block);
        if (!flags.json) console.log(`${block.height} ${block.hash}`);
        progress.update(status);
      });
      const ticker = setInterval(() => progress.update(status), 1000);
      try {
        await miner.mine(flags.blocks, to, stop.signal);
      } finally {
        clearInterval(ticker);
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        const seconds = (performance.now() - started) / 1000;
        const hashes = miner.hashes() - hashesBefore;
        const rate = hashes / Math.max(seconds, 1e-3);
        await services.close();
        if (flags.json) {
          console.log(
            JSON.stringify({
              blocks: found,
              seconds: Number(seconds.toFixed(3)),
              hashes,
              hashesPerSecond: Number(rate.toFixed(1)),
            }),
          );
        } else {
          progress.done(
            `mined ${plural(found.length, 'block')} in ${formatDuration(seconds)}, ${formatRate(rate, 'H/s')} on average` +
              (found.length < flags.blocks ? ` (stopped before ${flags.blocks})` : ''),
          );
        }
      }
    }),
  );
}
