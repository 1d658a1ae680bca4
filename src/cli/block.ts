// `cairn block <hash|height>`: one block from a running node.
import type { Command } from 'commander';
import { apiBase, apiGet, printRecord } from './api-client.js';
import { action, CliError } from './exit-codes.js';

interface BlockView {
  hash: string;
  height: number;
  prevHash: string;
  txRoot: string;
  miner: string;
  time: number;
  bits: string;
  nonce: string;
  chainWork: string;
  onMainChain: boolean;
  confirmations: number;
  txs: string[];
}

export function blockCommand(program: Command): void {
  program
    .command('block')
    .description('show a block by hash (64 hex digits) or main-chain height')
    .argument('<hash-or-height>', 'block hash or height')
    .option('--api <url>', 'the node API (default $CAIRN_API or http://127.0.0.1:8645)')
    .option('--json', 'print JSON')
    .action(
      action(async (id: string, flags: { api?: string; json?: boolean }) => {
        if (!/^(\d{1,10}|[0-9a-fA-F]{64})$/.test(id)) {
          throw new CliError(`"${id}" is neither a height nor a 64-hex-digit block hash`);
        }
        const b = await apiGet<BlockView>(apiBase(flags.api), `/blocks/${id.toLowerCase()}`);
        printRecord(Boolean(flags.json), b, [
          ['hash', b.hash],
          ['height', b.height],
          ['previous', b.prevHash],
          ['time', `${new Date(b.time * 1000).toISOString()} (${b.time})`],
          ['miner', b.miner],
          ['bits', b.bits],
          ['nonce', b.nonce],
          ['chain work', b.chainWork],
          ['main chain', b.onMainChain ? `yes (${b.confirmations} confirmations)` : 'no'],
          ['txs', b.txs.length === 0 ? 'none' : b.txs.join('\n'.padEnd(14))],
        ]);
      }),
    );
}
