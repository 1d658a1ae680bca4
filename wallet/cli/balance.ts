// `cairn-wallet balance NAME|ADDRESS`: the confirmed balance, and the balance once the txs now in the
// node's mempool are mined (pending = confirmed − this account's pending spends + pending incoming).
import type { Command } from 'commander';
import { formatCoins } from '../amount.js';
import { loadParams } from '../chain.js';
import { badInput } from '../errors.js';
import { accountView, pendingBalance } from '../tx-builder.js';
import { readKeystore, walletExists } from '../wallet-dir.js';
import { apiClient, emit, globals, parseAddress } from './common.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** A wallet name if such a wallet exists; else the text must be an address of this chain. */
async function resolveTarget(walletDir: string, text: string, prefix: string): Promise<string> {
  if (NAME.test(text) && (await walletExists(walletDir, text)))
    return (await readKeystore(walletDir, text)).address;
  const looksLikeAddress = text.toLowerCase().startsWith(`${prefix}1`) || text.length > 30;
  if (!looksLikeAddress) {
    throw badInput(
      'NO_SUCH_WALLET',
      `${JSON.stringify(text.slice(0, 80))} is neither a wallet in ${walletDir} nor a ${prefix}1… address`,
    );
  }
  parseAddress(text, prefix);
  return text.toLowerCase();
}

export function registerBalance(program: Command): void {
  program
    .command('balance')
    .description('show the confirmed and pending balance of a wallet or address')
    .argument('<name-or-address>', 'a wallet name or an address')
    .option('--api <url>', 'node API URL (default $CAIRN_API or http://127.0.0.1:8645)')
    .action(async (target: string, opts: { api?: string }, cmd: Command) => {
      const g = globals(cmd);
      const client = apiClient(opts.api);
      const params = loadParams();
      const address = await resolveTarget(g.walletDir, target, params.addressPrefix);
      const hash = parseAddress(address, params.addressPrefix);
      const { account, pending } = await accountView(client, { hash, address });
      const b = pendingBalance(account, pending, { hash, address });
      const human = [
        address,
        `  confirmed: ${formatCoins(b.confirmed)} coins`,
        `  pending:   ${formatCoins(b.pending)} coins${b.pendingTxs > 0 ? ` (${b.pendingTxs} pending tx${b.pendingTxs === 1 ? '' : 's'})` : ''}${b.exact ? '' : ' (approximate: the node did not show every pending amount)'}`,
        `  nonce:     ${account.nonce}`,
      ].join('\n');
      emit(
        g,
        {
          address,
          confirmed: b.confirmed,
          pending: b.pending,
          confirmedCoins: formatCoins(b.confirmed),
          pendingCoins: formatCoins(b.pending),
          pendingOutgoing: b.outgoing,
          pendingIncoming: b.incoming,
          pendingTxs: b.pendingTxs,
          exact: b.exact,
          nonce: account.nonce,
        },
        human,
      );
    });
}
