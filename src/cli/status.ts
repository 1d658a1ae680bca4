// `cairn status`: where a running node stands.
import type { Command } from 'commander';
import { apiBase, apiGet, printRecord } from './api-client.js';
import { action } from './exit-codes.js';

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
  program
    .command('status')
    .description("show a running node's chain tip, peers, mempool and state digest")
    .option('--api <url>', 'the node API (default $CAIRN_API or http://127.0.0.1:8645)')
    .option('--json', 'print JSON')
    .action(
      action(async (flags: { api?: string; json?: boolean }) => {
        const s = await apiGet<Status>(apiBase(flags.api), '/status');
        printRecord(Boolean(flags.json), s, [
          ['network', s.network],
          ['height', s.height],
          ['tip', s.tipHash],
          ['chain work', s.chainWork],
          ['peers', s.peers],
          ['mempool', `${s.mempool} txs`],
          ['syncing', s.syncing ? 'yes' : 'no'],
          ['state digest', s.stateDigest],
        ]);
      }),
    );
}
