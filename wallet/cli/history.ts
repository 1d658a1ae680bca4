// `cairn-wallet history NAME`: the txs this wallet sent (or signed), with their status on the node.
//
// The node's API has no per-account history index (docs/ARCHITECTURE.md §5 has none), so the wallet keeps its own:
// every `send` and `sign` appends a line to NAME.sent.jsonl in the wallet directory, and `history` asks
// the node (GET /txs/:id) where each one is now. Incoming transfers are therefore NOT listed; `balance`
// shows what arrived.
import type { Command } from 'commander';
import { ENV, helpFooter } from '../../src/client/help.js';
import { groupedCoins } from '../amount.js';
import { readKeystore, readSentLog } from '../wallet-dir.js';
import { type ApiOptions, apiClient, apiOptions, emit, globals } from './common.js';

export function registerHistory(program: Command): void {
  const command = program
    .command('history')
    .description('list the txs this wallet sent or signed, with their status on the node (not incoming txs)')
    .argument('<name>', 'wallet name');
  apiOptions(command);
  helpFooter(
    command,
    ['cairn-wallet history dev0', 'cairn-wallet --json history dev0'],
    [ENV.api, ENV.token, ENV.walletDir],
  );
  command.action(async (name: string, opts: ApiOptions, cmd: Command) => {
    const g = globals(cmd);
    const ks = await readKeystore(g.walletDir, name);
    const client = apiClient(opts);
    const records = await readSentLog(g.walletDir, name);
    const rows = [];
    for (const r of records) {
      const info = await client.tx(r.id);
      // "unknown": never broadcast (a `sign` not yet sent), or dropped from the mempool unmined.
      const status = info === null ? 'unknown' : info.status;
      rows.push({
        ...r,
        status,
        blockHash: info?.blockHash ?? null,
        height: info?.height ?? null,
      });
    }
    const human =
      rows.length === 0
        ? `wallet "${name}" (${ks.address}) has not sent anything yet (history lists sent txs only, not incoming ones)`
        : rows
            .map(
              (r) =>
                `${r.time}  ${r.id}  nonce ${r.nonce}  ${groupedCoins(BigInt(r.amount))} → ${r.to}  fee ${groupedCoins(BigInt(r.fee))}  ${r.status}${r.height !== null ? ` @${r.height}` : ''}${r.kind === 'signed' ? ' (signed offline)' : ''}`,
            )
            .join('\n');
    emit(g, { name, address: ks.address, txs: rows }, human);
  });
}
