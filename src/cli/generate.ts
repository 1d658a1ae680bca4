// `cairn generate N [--to ADDRESS]`: a running node mines N blocks now, through its API (POST /mine), and
// the command prints their hashes (Core: bitcoin-cli -regtest generatetoaddress N ADDRESS). On regtest the
// rewards go by default to dev0, the first funded development key, as anvil mines to its first account.
import type { Command } from 'commander';
import { action, CliError } from './exit-codes.js';
import { type ApiFlags, apiOptions, connect, ENV, helpFooter, positiveInt } from './options.js';

/** POST /mine takes at most this many blocks per request (the API's MINE_MAX_BLOCKS). */
const MAX_BLOCKS = 1_000;

export function generateCommand(program: Command): void {
  const cmd = program
    .command('generate')
    .description('mine N blocks now on a running node (through its API) and print their hashes')
    .argument('<n>', `how many blocks (1 to ${MAX_BLOCKS})`, positiveInt('n', MAX_BLOCKS))
    .option('--to <address>', 'the address credited with the rewards (default on regtest: dev0)');
  apiOptions(cmd);
  helpFooter(
    cmd,
    [
      'cairn generate 1                      # regtest: reward to dev0',
      'cairn generate 101 --to cairn1…',
      'cairn generate 5 --api localhost:8655 --json',
    ],
    [ENV.api, ENV.token],
  );
  cmd.action(
    action(async (blocks: number, flags: ApiFlags & { to?: string }) => {
      const client = await connect(flags);
      let to = flags.to;
      if (to === undefined) {
        const status = await client.status();
        if (status.network !== 'regtest') {
          throw new CliError(
            `generate needs --to ADDRESS on ${status.network} (only regtest has a default: dev0)`,
            undefined,
            'USAGE',
          );
        }
        const { encodeAddress } = await import('../consensus/address.js');
        const { devKeys } = await import('../client/dev-keys.js');
        const { chainParams } = await import('./chain-options.js');
        to = encodeAddress(devKeys(1)[0]!.addressHash, chainParams({ regtest: true }).addressPrefix);
      }
      const hashes = await client.mine(blocks, to);
      if (flags.json) console.log(JSON.stringify({ to, hashes }));
      else for (const h of hashes) console.log(h);
    }),
  );
}
