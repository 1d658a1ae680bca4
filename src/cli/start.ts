// `cairn start`: run a node in the foreground until SIGINT/SIGTERM.
import type { Command } from 'commander';
import { resolveBackend, VERIFIER_CHOICES, VerifierError } from '../crypto/verifier.js';
import { CairnNode } from '../node/node.js';
import { createLogger } from '../util/logger.js';
import { action, CliError, EXIT } from './exit-codes.js';
import { address, type ChainFlags, chainParams, datadir, port, positiveInt } from './options.js';

interface StartFlags extends ChainFlags {
  readonly apiPort: number;
  readonly apiHost: string;
  readonly apiToken?: string;
  readonly p2pPort: number;
  readonly peer: string[];
  readonly mine?: boolean;
  readonly miner?: string;
  readonly threads: number;
  readonly blockInterval?: number;
  readonly verifier?: string;
}

export function startCommand(program: Command, version: string): void {
  program
    .command('start')
    .description('run a node in the foreground until Ctrl-C (SIGINT) or SIGTERM')
    .option('--datadir <dir>', 'where the chain, keys and node.json live (default ~/.cairn/<network>)')
    .option('--regtest', 'run the built-in regtest chain: trivial proof of work, instant blocks')
    .option('--genesis <file>', 'the chain parameters (default: the genesis.json shipped with Cairn)')
    .option('--api-port <n>', 'HTTP API port; 0 picks a free one (see DIR/node.json)', port('api-port'), 8645)
    .option('--api-host <addr>', 'HTTP API address; anything but loopback requires --api-token', '127.0.0.1')
    .option('--api-token <token>', 'require "Authorization: Bearer <token>" on every API request')
    .option('--p2p-port <n>', 'P2P TCP port, on all interfaces; 0 picks a free one', port('p2p-port'), 8646)
    .option(
      '--peer <multiaddr>',
      'a peer to connect to, e.g. /ip4/127.0.0.1/tcp/8646/p2p/12D3Koo… (repeatable)',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option('--mine', 'mine continuously (requires --miner)')
    .option('--miner <address>', 'the address credited with mined blocks')
    .option('--threads <n>', 'mining worker threads', positiveInt('threads', 256), 1)
    .option(
      '--block-interval <ms>',
      'mine at most one block per this many ms (default 1000 on --regtest, where blocks are free; else 0)',
      (v: string) => (v === '0' ? 0 : positiveInt('block-interval', 3_600_000)(v)),
    )
    .option(
      '--verifier <backend>',
      `signature backend: ${VERIFIER_CHOICES.join('|')} (default $CAIRN_VERIFIER, else auto: native libsecp256k1 if it loads, else WASM)`,
    )
    .action(
      action(async (flags: StartFlags) => {
        const params = chainParams(flags);
        // Resolved before anything opens: a forced backend that cannot load stops here with its code.
        let verifier: ReturnType<typeof resolveBackend>;
        try {
          verifier = resolveBackend(flags.verifier);
        } catch (e) {
          if (e instanceof VerifierError) throw new CliError(e.message, EXIT.USAGE, e.code);
          throw e;
        }
        if (flags.mine && !flags.miner)
          throw new CliError('--mine needs --miner ADDRESS: who gets the rewards?');
        const mineTo = flags.miner ? address(flags.miner, params) : undefined;
        const logger = createLogger();
        // Signals are caught from the very start: one that arrives while the node is still starting
        // (opening the database, joining the network) stops it cleanly as soon as it is up.
        let node: CairnNode | undefined;
        let stopRequested = false;
        let signals = 0;
        let wake: () => void = () => {};
        const woken = new Promise<void>((resolve) => {
          wake = resolve;
        });
        const onSignal = (signal: NodeJS.Signals) => {
          signals++;
          if (signals > 1) {
            logger.warn({ signal }, 'second signal: exiting without a clean shutdown');
            process.exit(130);
          }
          logger.info(
            { signal },
            node ? 'signal received' : 'signal received while starting: will stop once up',
          );
          stopRequested = true;
          wake();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        try {
          node = await CairnNode.start({
            datadir: datadir(flags, params),
            params,
            logger,
            apiHost: flags.apiHost,
            apiPort: flags.apiPort,
            apiToken: flags.apiToken,
            p2pPort: flags.p2pPort,
            peers: flags.peer,
            mineTo: flags.mine ? mineTo : undefined,
            minerThreads: flags.threads,
            blockIntervalMs: flags.blockInterval,
            verifier,
            version,
          });
        } catch (e) {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE' || /EADDRINUSE/.test(String(e))) {
            throw new CliError(
              `a port is already in use (API ${flags.apiPort}, P2P ${flags.p2pPort}): pick others with --api-port and --p2p-port`,
            );
          }
          throw e;
        }
        if (!stopRequested) await woken;
        await node.stop().catch((e) => {
          logger.error({ err: e }, 'shutdown failed');
          process.exitCode = 1;
        });
      }),
    );
}
