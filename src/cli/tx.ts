// `cairn tx <id>`: one transaction, pending or confirmed, from a running node (Core: getrawtransaction).
import type { Command } from 'commander';
import { groupedCoins } from '../client/coins.js';
import { action, CliError } from './exit-codes.js';
import { type ApiFlags, apiOptions, connect, ENV, helpFooter, plural, printRecord } from './options.js';

interface TxView {
  id: string;
  from: string;
  to: string;
  amount: string;
  fee: string;
  nonce: string;
  status: 'pending' | 'confirmed';
  blockHash?: string;
  height?: number;
  confirmations?: number;
}

export function txCommand(program: Command): void {
  const cmd = program
    .command('tx')
    .description('show a transaction by id, with its status')
    .argument('<id>', 'tx id (64 hex digits)');
  apiOptions(cmd);
  helpFooter(cmd, ['cairn tx 3f2a…(64 hex digits)', 'cairn tx ID --json | jq .status'], [ENV.api, ENV.token]);
  cmd.action(
    action(async (id: string, flags: ApiFlags) => {
      if (!/^[0-9a-fA-F]{64}$/.test(id)) throw new CliError(`"${id}" is not a 64-hex-digit tx id`);
      const t = await (await connect(flags)).get<TxView>(`/txs/${id.toLowerCase()}`);
      printRecord(Boolean(flags.json), t, [
        ['id', t.id],
        ['from', t.from],
        ['to', t.to],
        ['amount', `${groupedCoins(BigInt(t.amount))} coins`],
        ['fee', `${groupedCoins(BigInt(t.fee))} coins`],
        ['nonce', t.nonce],
        [
          'status',
          t.status === 'confirmed'
            ? `confirmed in block ${t.height} (${plural(t.confirmations ?? 0, 'confirmation')})`
            : 'pending',
        ],
        ...(t.blockHash ? ([['block', t.blockHash]] as [string, unknown][]) : []),
      ]);
    }),
  );
}
