// `cairn block <hash|height|tip>`: one block from a running node (Core: bitcoin-cli getblock; `tip` is
// getbestblockhash, answered by the node in the same request so the block and the tip agree).
import type { Command } from 'commander';
import { action, CliError } from './exit-codes.js';
import { type ApiFlags, apiOptions, connect, ENV, helpFooter, plural, printRecord } from './options.js';

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
  const cmd = program
    .command('block')
    .description('show a block by hash (64 hex digits), main-chain height, or `tip`')
    .argument('<hash-or-height>', 'block hash, height, or tip');
  apiOptions(cmd);
  helpFooter(
    cmd,
    ['cairn block 0', 'cairn block tip', 'cairn block 5 --json | jq .hash'],
    [ENV.api, ENV.token],
  );
  cmd.action(
    action(async (id: string, flags: ApiFlags) => {
      if (!/^(\d{1,10}|[0-9a-fA-F]{64}|tip)$/.test(id)) {
        throw new CliError(`"${id}" is neither a height, a 64-hex-digit block hash, nor \`tip\``);
      }
      const b = await (await connect(flags)).get<BlockView>(`/blocks/${id.toLowerCase()}`);
      printRecord(Boolean(flags.json), b, [
        ['hash', b.hash],
        ['height', b.height],
        ['previous', b.prevHash],
        ['time', `${new Date(b.time * 1000).toISOString()} (${b.time})`],
        ['miner', b.miner],
        ['bits', b.bits],
        ['nonce', b.nonce],
        ['chain work', b.chainWork],
        ['main chain', b.onMainChain ? `yes (${plural(b.confirmations, 'confirmation')})` : 'no'],
        ['txs', b.txs.length === 0 ? 'none' : b.txs.join('\n'.padEnd(14))],
      ]);
    }),
  );
}
