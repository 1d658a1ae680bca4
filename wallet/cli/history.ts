// `cairn-wallet history NAME|ADDRESS`: what an address sent AND received, newest first.
//
// The confirmed txs come from the node's address index (GET /accounts/:address/txs, a page at a time:
// src/chain/address-indexer.ts), so incoming transfers are listed too; the pending ones from its mempool.
// For a wallet, its own sent log (NAME.sent.jsonl, written by `send` and `sign`) adds what the node does
// not know: a tx signed offline and never broadcast, or one dropped from the mempool unmined.
import type { Command } from 'commander';
import { plural } from '../../src/client/format.js';
import { ENV, helpFooter } from '../../src/client/help.js';
import { encodeAddress } from '../../src/consensus/address.js';
import { bytesEqual } from '../../src/consensus/bytes.js';
import { groupedCoins } from '../amount.js';
import { loadParams } from '../chain.js';
import { badInput } from '../errors.js';
import { readPending } from '../tx-builder.js';
import { readSentLog, walletExists } from '../wallet-dir.js';
import {
  type ApiOptions,
  apiClient,
  apiOptions,
  emit,
  globals,
  parseAddress,
  resolveTarget,
} from './common.js';

interface HistoryOptions extends ApiOptions {
  readonly limit: string;
  readonly before?: string;
}

/** One row of the history, as --json prints it (amounts in base units, as decimal strings). */
export interface HistoryRow {
  readonly id: string;
  readonly direction: 'in' | 'out' | 'self';
  /** 'unknown': the node has never heard of it (signed offline and not broadcast, or dropped unmined). */
  readonly status: 'pending' | 'confirmed' | 'unknown';
  readonly from: string;
  readonly to: string;
  readonly amount: string;
  readonly fee: string;
  readonly nonce: string;
  readonly height: number | null;
  readonly blockHash: string | null;
  readonly time: number | null;
  readonly confirmations: number;
}

const DEFAULT_LIMIT = 25;
const MAX_LIMIT = 1_000;

function parseLimit(text: string): number {
  if (!/^[0-9]{1,4}$/.test(text) || Number(text) < 1 || Number(text) > MAX_LIMIT) {
    throw badInput('BAD_LIMIT', `--limit must be a whole number from 1 to ${MAX_LIMIT}`);
  }
  return Number(text);
}

/** One line for people: where it stands, which way, how much, with whom, and the id. */
function line(r: HistoryRow): string {
  const where =
    r.status === 'confirmed'
      ? `height ${r.height} (${plural(r.confirmations, 'confirmation')})`
      : r.status === 'pending'
        ? 'pending'
        : 'not on the node (signed offline, or dropped)';
  const amount = `${groupedCoins(BigInt(r.amount))} coins`;
  const what =
    r.direction === 'in'
      ? `received ${amount} from ${r.from}`
      : r.direction === 'out'
        ? `sent ${amount} to ${r.to} (fee ${groupedCoins(BigInt(r.fee))})`
        : `sent ${amount} to itself (fee ${groupedCoins(BigInt(r.fee))})`;
  return `${where.padEnd(28)} ${what}\n${' '.repeat(29)}tx ${r.id}`;
}

export function registerHistory(program: Command): void {
  const command = program
    .command('history')
    .description('list the txs a wallet or address sent and received, newest first (pending ones on top)')
    .argument('<name-or-address>', 'a wallet name or an address')
    .option('--limit <n>', 'confirmed txs per page', String(DEFAULT_LIMIT))
    .option('--before <cursor>', 'the page after this cursor (printed at the end of the previous page)');
  apiOptions(command);
  helpFooter(
    command,
    [
      'cairn-wallet history dev0',
      'cairn-wallet history cairn1… --limit 100',
      'cairn-wallet history dev0 --before 12.0     # the next, older page',
      'cairn-wallet --json history dev0 | jq \'.txs[] | select(.direction == "in")\'',
    ],
    [ENV.api, ENV.token, ENV.walletDir],
  );
  command.action(async (target: string, opts: HistoryOptions, cmd: Command) => {
    const g = globals(cmd);
    const limit = parseLimit(opts.limit);
    if (opts.before !== undefined && !/^[0-9]{1,10}\.[0-9]{1,10}$/.test(opts.before)) {
      throw badInput('BAD_CURSOR', '--before takes the cursor a previous page printed, like 12.0');
    }
    const params = loadParams();
    const address = await resolveTarget(g.walletDir, target, params.addressPrefix);
    const hash = parseAddress(address, params.addressPrefix);
    // For a wallet name, `address` is the one resolveTarget read from its keystore.
    const wallet = (await walletExists(g.walletDir, target)) ? target : null;
    const client = apiClient(opts);
    const status = await client.status();
    const firstPage = opts.before === undefined;

    // Pending first (only on the first page: they are newer than anything confirmed).
    const pending: HistoryRow[] = [];
    if (firstPage) {
      for (const p of readPending(await client.mempool())) {
        if (p.to === null || p.amount === null || p.fee === null || p.nonce === null || p.fromHash === null)
          continue;
        const out = bytesEqual(p.fromHash, hash);
        const into = bytesEqual(p.to, hash);
        if (!out && !into) continue;
        pending.push({
          id: p.id,
          direction: out && into ? 'self' : out ? 'out' : 'in',
          status: 'pending',
          from: encodeAddress(p.fromHash, params.addressPrefix),
          to: encodeAddress(p.to, params.addressPrefix),
          amount: p.amount.toString(),
          fee: p.fee.toString(),
          nonce: p.nonce.toString(),
          height: null,
          blockHash: null,
          time: null,
          confirmations: 0,
        });
      }
    }
    const page = await client.accountTxs(address, { limit, before: opts.before });
    const confirmed: HistoryRow[] = page.txs.map((t) => ({
      id: t.id,
      direction: t.direction,
      status: 'confirmed',
      from: t.from,
      to: t.to,
      amount: t.amount.toString(),
      fee: t.fee.toString(),
      nonce: t.nonce.toString(),
      height: t.height,
      blockHash: t.blockHash,
      time: t.time,
      confirmations: t.confirmations,
    }));

    // What only this wallet knows: its sent log's txs the node has never heard of (first page only).
    const unknown: HistoryRow[] = [];
    if (wallet !== null && firstPage) {
      const shown = new Set([...pending, ...confirmed].map((r) => r.id));
      for (const r of (await readSentLog(g.walletDir, wallet)).reverse()) {
        if (shown.has(r.id) || (r.network !== null && r.network !== status.network)) continue;
        if ((await client.tx(r.id)) !== null) continue; // known to the node: on another page, or just mined
        unknown.push({
          id: r.id,
          direction: r.to === address ? 'self' : 'out',
          status: 'unknown',
          from: address,
          to: r.to,
          amount: r.amount,
          fee: r.fee,
          nonce: r.nonce,
          height: null,
          blockHash: null,
          time: null,
          confirmations: 0,
        });
      }
    }
    // The mempool lists in arrival order: newest first means the last one first.
    const rows = [...unknown, ...pending.reverse(), ...confirmed];
    const who = wallet === null ? address : `wallet "${wallet}" (${address})`;
    const human =
      rows.length === 0
        ? firstPage
          ? `${who} has no txs yet`
          : `${who} has no txs before ${opts.before}`
        : [
            `${who}, newest first:`,
            ...rows.map(line),
            ...(page.next !== null
              ? [`older txs: cairn-wallet history ${target} --before ${page.next}`]
              : []),
          ].join('\n');
    emit(g, { name: wallet, address, network: status.network, txs: rows, next: page.next }, human);
  });
}
