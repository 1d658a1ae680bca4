// `cairn-wallet send --from NAME --to ADDRESS --amount COINS`: sign a transfer for the node's chain
// with the sender's next nonce, submit it, print its id; with --wait, wait until a block confirms it.
import type { Command } from 'commander';
import { plural } from '../../src/client/format.js';
import { ENV, helpFooter } from '../../src/client/help.js';
import { ProgressLine } from '../../src/client/progress.js';
import { formatCoins, groupedCoins, parseCoins } from '../amount.js';
import type { ApiClient, TxInfo } from '../api-client.js';
import { loadParams } from '../chain.js';
import { badInput, WalletError } from '../errors.js';
import { accountView, checkFunds, DEFAULT_FEE, prepareSend } from '../tx-builder.js';
import { appendSentLog, readKeystore } from '../wallet-dir.js';
import {
  type ApiOptions,
  apiClient,
  apiOptions,
  emit,
  globals,
  parseAddress,
  resolveTarget,
  unlock,
} from './common.js';

interface SendOptions extends ApiOptions {
  from: string;
  to: string;
  amount: string;
  fee: string;
  wait?: boolean;
  confirmations: string;
  timeout: string;
  passwordFile?: string;
}

/** How often --wait asks the node; a regtest block can come any moment, a devnet block every ~10 s. */
const POLL_MS = 500;

export function parseTimeout(text: string): number {
  const seconds = Number(text);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text) || seconds <= 0 || seconds > 86_400) {
    throw badInput(
      'BAD_TIMEOUT',
      `--timeout must be a number of seconds from 0 to 86400, got ${JSON.stringify(text.slice(0, 20))}`,
    );
  }
  return seconds;
}

/**
 * Poll GET /txs/:id until the tx has `confirmations` confirmations, the node forgets it, or the deadline
 * passes. A deadline, not a number of tries: the outcome does not depend on how fast the node answers.
 * `onProgress` hears every answer (for the progress line).
 */
export async function waitForConfirmation(
  client: ApiClient,
  id: string,
  timeoutSeconds: number,
  confirmations = 1,
  onProgress: (info: TxInfo) => void = () => {},
): Promise<TxInfo> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const info = await client.tx(id);
    if (info === null) {
      throw new WalletError(
        'FAILED',
        'TX_DROPPED',
        `the node no longer knows tx ${id}: it left the mempool unmined (replaced by a higher fee, expired, or made invalid by a reorg)`,
      );
    }
    onProgress(info);
    if (info.status === 'confirmed' && info.confirmations >= confirmations) return info;
    if (Date.now() >= deadline) {
      const where =
        info.status === 'confirmed'
          ? `has ${plural(info.confirmations, 'confirmation')} of ${confirmations}`
          : 'is still pending';
      throw new WalletError(
        'FAILED',
        'WAIT_TIMEOUT',
        `tx ${id} ${where} after ${timeoutSeconds} s; it may yet confirm (see \`cairn-wallet history\`). Is any node mining?`,
      );
    }
    await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(0, deadline - Date.now()))));
  }
}

export function registerSend(program: Command): void {
  const command = program
    .command('send')
    .description('sign a transfer with the next nonce, submit it to the node and print its id')
    .requiredOption('--from <name>', 'the sending wallet')
    .requiredOption('--to <address>', 'the recipient: an address, or the name of a wallet (dev1)')
    .requiredOption('--amount <coins>', 'amount in coins, e.g. 1.5 (at most 8 decimals)')
    .option('--fee <coins>', 'fee in coins, paid to the miner', formatCoins(DEFAULT_FEE))
    .option('--wait', 'wait until the tx is confirmed in a block (showing its confirmations)')
    .option('--confirmations <n>', 'with --wait: how many confirmations to wait for', '1')
    .option('--timeout <seconds>', 'how long --wait waits', '120')
    .option('--password-file <file>', 'read the keystore password from this file');
  apiOptions(command);
  helpFooter(
    command,
    [
      'cairn-wallet send --from dev0 --to dev1 --amount 1.5',
      'cairn-wallet send --from alice --to cairn1… --amount 10 --fee 0.001 --wait',
      'CAIRN_WALLET_PASSWORD=… cairn-wallet --json send --from dev0 --to dev2 --amount 1',
    ],
    [ENV.api, ENV.token, ENV.walletDir, ENV.password],
  );
  command.action(async (opts: SendOptions, cmd: Command) => {
    const g = globals(cmd);
    // Bad input is refused before the node, the password or the key are touched.
    const amount = parseCoins(opts.amount, { what: 'amount' });
    const fee = parseCoins(opts.fee, { what: 'fee', allowZero: true });
    const timeout = parseTimeout(opts.timeout);
    if (!/^[0-9]{1,4}$/.test(opts.confirmations) || Number(opts.confirmations) < 1) {
      throw badInput('BAD_CONFIRMATIONS', '--confirmations must be a whole number from 1 to 9999');
    }
    const confirmations = Number(opts.confirmations);
    const params = loadParams();
    const toAddress = await resolveTarget(g.walletDir, opts.to, params.addressPrefix);
    const to = parseAddress(toAddress, params.addressPrefix);
    const client = apiClient(opts);
    const stored = await readKeystore(g.walletDir, opts.from);
    // Ask the node before the password: an unreachable node fails at once, not after a prompt, and a
    // transfer the wallet cannot pay is refused in coins before the key is even decrypted.
    const status = await client.status();
    const sender = { hash: parseAddress(stored.address, params.addressPrefix), address: stored.address };
    const view = await accountView(client, sender);
    checkFunds(`wallet "${opts.from}"`, view.account, view.pending, sender, amount, fee);
    const { keystore, secret } = await unlock(g, opts.from, opts.passwordFile);

    const prepared = await prepareSend(client, status, secret.privateKey, keystore.address, {
      to,
      amount,
      fee,
    });
    secret.privateKey.fill(0);
    const id = await client.submitTx(prepared.raw);
    await appendSentLog(g.walletDir, opts.from, {
      id,
      kind: 'sent',
      to: toAddress,
      amount: amount.toString(),
      fee: fee.toString(),
      nonce: prepared.nonce.toString(),
      network: status.network,
      time: new Date().toISOString(),
      raw: prepared.raw,
    });
    const summary = {
      id,
      from: keystore.address,
      to: toAddress,
      amount,
      fee,
      nonce: prepared.nonce,
      network: status.network,
    };
    if (!opts.wait) {
      emit(g, { ...summary, status: 'pending' }, id);
      return;
    }
    // Progress on stderr: pending, then each confirmation as blocks arrive (nothing with --json).
    const progress = new ProgressLine(!g.json, process.stderr, 0);
    let shown = -1;
    progress.update(() => `submitted ${id} (nonce ${prepared.nonce}); waiting for a block…`, true);
    const info = await waitForConfirmation(client, id, timeout, confirmations, (now) => {
      if (now.confirmations === shown) return;
      shown = now.confirmations;
      if (now.status === 'confirmed') {
        progress.update(
          () => `in block ${now.height}: ${now.confirmations} of ${plural(confirmations, 'confirmation')}`,
          true,
        );
      }
    });
    emit(
      g,
      {
        ...summary,
        status: info.status,
        blockHash: info.blockHash,
        height: info.height,
        confirmations: info.confirmations,
      },
      `${id}\nconfirmed at height ${info.height ?? '?'} in block ${info.blockHash ?? '?'} ` +
        `(${plural(info.confirmations, 'confirmation')}): sent ${groupedCoins(amount)} coins to ${toAddress}`,
    );
  });
}
