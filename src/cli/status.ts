// `cairn status`: where a running node stands (Core: bitcoin-cli getblockchaininfo).
import type { Command } from 'commander';
import { action } from './exit-codes.js';
import { type ApiFlags, apiOptions, connect, ENV, helpFooter, plural, printRecord } from './options.js';

interface Status {
  network: string;
  genesisHash: string;
  height: number;
  tipHash: string;
  chainWork: string;
  peers: number;
  mempool: number;
  syncing: boolean;
  stateDigest: string;
}

export function statusCommand(program: Command): void {
  const cmd = program
    .command('status')
    .description("show a running node's chain tip, peers, mempool and state digest");
  apiOptions(cmd);
  helpFooter(
    cmd,
    ['cairn status', 'cairn status --api localhost:18745 --json', 'cairn status --wait 60   # in a script'],
    [ENV.api, ENV.token],
  );
  cmd.action(
    action(async (flags: ApiFlags) => {
      const s = await (await connect(flags)).get<Status>('/status');
      printRecord(Boolean(flags.json), s, [
        ['network', s.network],
        ['height', s.height],
        ['tip', s.tipHash],
        ['chain work', s.chainWork],
        ['peers', s.peers],
        ['mempool', plural(s.mempool, 'tx')],
        ['syncing', s.syncing ? 'yes' : 'no'],
        ['state digest', s.stateDigest],
      ]);
    }),
  );
}
