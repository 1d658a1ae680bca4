// `cairn mine`: mine blocks into a datadir with no network: the "mine blocks locally" job.
import type { Command } from 'commander';
import { toHex } from '../consensus/bytes.js';
import { openServices } from '../node/services.js';
import { silentLogger } from '../util/logger.js';
import { action } from './exit-codes.js';
import { address, type ChainFlags, chainParams, datadir, positiveInt } from './options.js';

interface MineFlags extends ChainFlags {
  readonly blocks: number;
  readonly to: string;
  readonly threads: number;
  readonly json?: boolean;
}

export function mineCommand(program: Command): void {
  program
    .command('mine')
    .description('mine N blocks into the datadir, with no network, and print each height and hash')
    .option('--datadir <dir>', 'the node data directory (default ~/.cairn/<network>)')
    .option('--regtest', 'use the built-in regtest chain: trivial proof of work, instant blocks')
    .option('--genesis <file>', 'the chain parameters (default: the genesis.json shipped with Cairn)')
    .requiredOption('--blocks <n>', 'how many blocks to mine', positiveInt('blocks', 1_000_000))
    .requiredOption('--to <address>', 'the address credited with the block rewards')
    .option('--threads <n>', 'mining worker threads', positiveInt('threads', 256), 1)
    .option('--json', 'print one JSON object per block')
    .action(
      action(async (flags: MineFlags) => {
        const params = chainParams(flags);
        const to = address(flags.to, params);
        const services = await openServices({
          datadir: datadir(flags, params),
          params,
          logger: silentLogger(),
          minerThreads: flags.threads,
          verifyThreads: 1,
        });
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        const miner = services.miner!;
        miner.on('block:mined', (b) => {
          const hash = toHex(b.hash);
          console.log(
            flags.json ? JSON.stringify({ height: b.height, hash, txs: b.txCount }) : `${b.height} ${hash}`,
          );
        });
        try {
          await miner.mine(flags.blocks, to, stop.signal);
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          await services.close();
        }
      }),
    );
}
