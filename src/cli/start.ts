// `cairn start`: run a node in the foreground until SIGINT/SIGTERM (Core: bitcoind).
// The node's modules (libp2p, fastify, LevelDB) load inside the action, so `cairn --help` stays fast.
import type { Command } from 'commander';
import { resolveApiToken } from '../client/api-url.js';
import type { ChainParams } from '../consensus/types.js';
import type { CairnNode } from '../node/node.js';
import { action, CliError, EXIT } from './exit-codes.js';
import { type ChainFlags, ENV, helpFooter, port, positiveInt } from './options.js';

interface StartFlags extends ChainFlags {
  readonly apiPort: number;
  readonly apiHost: string;
  readonly apiToken?: string;
  readonly apiTokenFile?: string;
  readonly p2pPort: number;
  readonly p2pHost: string;
  readonly announce: string[];
  readonly mdns?: boolean;
  readonly peer: string[];
  readonly mine?: boolean;
  readonly miner?: string;
  readonly threads: number;
  readonly blockInterval?: number;
  readonly verifier?: string;
}

/** A bad --peer is a usage error with the address in it, found before the network starts. */
async function checkPeers(peers: readonly string[]): Promise<void> {
  if (peers.length === 0) return;
  const { multiaddr } = await import('@multiformats/multiaddr');
  const { peerIdFromString } = await import('@libp2p/peer-id');
  for (const text of peers) {
    try {
      const ma = multiaddr(text);
      const id = ma.getComponents().find((c) => c.name === 'p2p')?.value;
      if (id !== undefined) peerIdFromString(id);
    } catch (e) {
      throw new CliError(
        `--peer ${JSON.stringify(text)} is not a multiaddr like /ip4/127.0.0.1/tcp/8646/p2p/12D3Koo…: ${(e as Error).message}`,
        undefined,
        'BAD_PEER',
      );
    }
  }
}

export function startCommand(program: Command, version: string): void {
  const cmd = program
    .command('start')
    .description('run a node in the foreground until Ctrl-C (SIGINT) or SIGTERM')
    .option('--datadir <dir>', 'where the chain, keys and node.json live (default ~/.cairn/<network>)')
    .option('--regtest', 'run the built-in regtest chain: trivial proof of work, instant blocks')
    .option('--genesis <file>', 'the chain parameters (default: the genesis.json shipped with Cairn)')
    .option('--api-port <n>', 'HTTP API port; 0 picks a free one (see DIR/node.json)', port('api-port'), 8645)
    .option('--api-host <addr>', 'HTTP API address; anything but loopback requires --api-token', '127.0.0.1')
    .option('--api-token <token>', 'require "Authorization: Bearer <token>" on every API request (16+ chars)')
    .option('--api-token-file <file>', 'read the API token from the first line of this file')
    .option('--p2p-port <n>', 'P2P TCP port; 0 picks a free one', port('p2p-port'), 8646)
    .option(
      '--p2p-host <addr>',
      'P2P listen address (default all interfaces; the API stays on --api-host)',
      '0.0.0.0',
    )
    .option(
      '--announce <addr>',
      'the address other machines dial to reach this node, e.g. 203.0.113.7 or 203.0.113.7:8646 or a multiaddr (repeatable)',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option('--mdns', 'find peers on the local network by multicast DNS (a classroom LAN; off by default)')
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
      'signature backend: auto|native|wasm|noble (default $CAIRN_VERIFIER, else auto: native libsecp256k1 if it loads, else WASM)',
    );
  helpFooter(
    cmd,
    [
      'cairn start --regtest                       # a private chain; prints the funded dev keys',
      'cairn start --regtest --mine --miner cairn1…',
      'cairn start --peer /ip4/127.0.0.1/tcp/8646/p2p/12D3Koo… --p2p-port 8656 --api-port 8655',
      'cairn start --announce 192.168.1.20 --peer /ip4/192.168.1.21/tcp/8646/p2p/12D3Koo…  # several machines',
      'cairn start --mdns                          # find the other nodes on this LAN',
      'CAIRN_API_TOKEN=$(openssl rand -hex 16) cairn start --api-host 0.0.0.0',
    ],
    [ENV.token, ENV.log],
  );
  cmd.action(
    action(async (flags: StartFlags) => {
      // Every flag is checked before anything opens or listens.
      const { address, chainParams, datadir } = await import('./chain-options.js');
      const { checkDatadirChain } = await import('./datadir-check.js');
      const params = chainParams(flags);
      // Resolved before anything opens: a forced backend that cannot load stops here with its code.
      const { resolveBackend, VerifierError } = await import('../crypto/verifier.js');
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
      const apiToken = resolveApiToken(flags, process.env);
      await checkPeers(flags.peer);
      const { announceMultiaddr } = await import('./announce.js');
      const announce = flags.announce.map((a) => announceMultiaddr(a, flags.p2pPort));
      const { isLoopback } = await import('../api/server.js');
      if (!isLoopback(flags.apiHost) && apiToken === undefined) {
        throw new CliError(
          `--api-host ${flags.apiHost} is reachable from other machines: set --api-token (or CAIRN_API_TOKEN), ` +
            'or keep the default 127.0.0.1',
          undefined,
          'TOKEN_REQUIRED',
        );
      }
      const { createLogger, isLogLevel, LOG_LEVELS } = await import('../util/logger.js');
      const level = process.env.CAIRN_LOG_LEVEL;
      if (level !== undefined && !isLogLevel(level)) {
        throw new CliError(
          `CAIRN_LOG_LEVEL=${JSON.stringify(level)} is not a log level: use one of ${LOG_LEVELS.join(', ')}`,
          EXIT.USAGE,
          'BAD_LOG_LEVEL',
        );
      }
      const dir = datadir(flags, params);
      await checkDatadirChain(dir, params, flags);
      const { CairnNode: Node } = await import('../node/node.js');
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
        node = await Node.start({
          datadir: dir,
          params,
          logger,
          apiHost: flags.apiHost,
          apiPort: flags.apiPort,
          apiToken,
          p2pPort: flags.p2pPort,
          p2pHost: flags.p2pHost,
          p2pAnnounce: announce,
          mdns: flags.mdns,
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
      if (flags.regtest) process.stderr.write(await devAccountsBannerFor(params, node.info.api));
      if (!stopRequested) await woken;
      await node.stop().catch((e: unknown) => {
        logger.error({ err: e }, 'shutdown failed');
        process.exitCode = 1;
      });
    }),
  );
}

async function devAccountsBannerFor(params: ChainParams, api: string): Promise<string> {
  const { devAccountsBanner } = await import('./dev-accounts.js');
  const banner = await devAccountsBanner(params);
  return `\n${banner}  API: ${api}   mine with: cairn generate 1 --api ${api}\n\n`;
}
