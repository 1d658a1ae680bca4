// `cairn tx <id>`: one transaction, pending or confirmed, from a running node.
import type { Command } from 'commander';
import { apiBase, apiGet, printRecord } from './api-client.js';
import { action, CliError } from './exit-codes.js';

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

/** Base units as decimal coins, exactly (1 coin = 100,000,000 base units). */
function coins(units: string): string {
  const v = BigInt(units);
  const frac = (v % 100_000_000n).toString().padStart(8, '0').replace(/0+$/, '');
  return `${v / 100_000_000n}${frac ? `.${frac}` : ''}`;
}

export function txCommand(program: Command): void {
  program
    .command('tx')
    .description('show a transaction by id, with its status')
    .argument('<id>', 'tx id (64 hex digits)')
    .option('--api <url>', 'the node API (default $CAIRN_API or http://127.0.0.1:8645)')
    .option('--json', 'print JSON')
    .action(
      action(async (id: string, flags: { api?: string; json?: boolean }) => {
        if (!/^[0-9a-fA-F]{64}$/.test(id)) throw new CliError(`"${id}" is not a 64-hex-digit tx id`);
        const t = await apiGet<TxView>(apiBase(flags.api), `/txs/${id.toLowerCase()}`);
        printRecord(Boolean(flags.json), t, [
          ['id', t.id],
          ['from', t.from],
          ['to', t.to],
          ['amount', `${coins(t.amount)} coins`],
          ['fee', `${coins(t.fee)} coins`],
          ['nonce', t.nonce],
          [
            'status',
            t.status === 'confirmed'
              ? `confirmed in block ${t.height} (${t.confirmations} confirmations)`
              : 'pending',
          ],
          ...(t.blockHash ? ([['block', t.blockHash]] as [string, unknown][]) : []),
        ]);
      }),
    );
}
