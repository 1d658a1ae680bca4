// `cairn-wallet send --from NAME --to ADDRESS --amount COINS`: sign a transfer for the node's chain
// with the sender's next nonce, submit it, print its id; with --wait, wait until a block confirms it.
import type { Command } from 'commander';
import { ENV, helpFooter } from '../../src/client/help.js';
import { formatCoins, parseCoins } from '../amount.js';
import type { ApiClient, TxInfo } from '../api-client.js';
import { loadParams } from '../chain.js';
import { badInput, WalletError } from '../errors.js';
import { DEFAULT_FEE, prepareSend } from '../tx-builder.js';
import { appendSentLog, readKeystore } from '../wallet-dir.js';
import {
  type ApiOptions,
  apiClient,
  apiOptions,
  emit,
  globals,
  note,
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
 * Poll GET /txs/:id until the tx is confirmed, the node forgets it, or the deadline passes. A deadline,
 * not a number of tries: the outcome does not depend on how fast the node answers.
 */
export async function waitForConfirmation(
  client: ApiClient,
  id: string,
  timeoutSeconds: number,
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
    if (info.status === 'confirmed') return info;
    if (Date.now() >= deadline) {
      throw new WalletError(
        'FAILED',
        'WAIT_TIMEOUT',
        `tx ${id} is still pending after ${timeoutSeconds} s; it may yet confirm (see \`cairn-wallet history\`). Is any node mining?`,
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
    .option('--wait', 'wait until the tx is confirmed in a block')
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
    const params = loadParams();
    const toAddress = await resolveTarget(g.walletDir, opts.to, params.addressPrefix);
    const to = parseAddress(toAddress, params.addressPrefix);
    const client = apiClient(opts);
    await readKeystore(g.walletDir, opts.from);
    // Ask the node before the password: an unreachable node fails at once, not after a prompt.
    const status = await client.status();
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
    if (!g.json) note(`submitted ${id} (nonce ${prepared.nonce}); waiting for a block…`);
    const info = await waitForConfirmation(client, id, timeout);
    emit(
      g,
      { ...summary, status: info.status, blockHash: info.blockHash, height: info.height },
      `${id}\nconfirmed at height ${info.height ?? '?'} in block ${info.blockHash ?? '?'}`,
    );
  });
}
