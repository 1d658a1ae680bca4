// `cairn-wallet balance NAME|ADDRESS`: the confirmed balance, and the balance once the txs now in the
// node's mempool are mined (pending = confirmed − this account's pending spends + pending incoming).
import type { Command } from 'commander';
import { plural } from '../../src/client/format.js';
import { ENV, helpFooter } from '../../src/client/help.js';
import { formatCoins, groupedCoins } from '../amount.js';
import { loadParams } from '../chain.js';
import { accountView, pendingBalance } from '../tx-builder.js';
import {
  type ApiOptions,
  apiClient,
  apiOptions,
  emit,
  globals,
  parseAddress,
  resolveTarget,
} from './common.js';

export function registerBalance(program: Command): void {
  const command = program
    .command('balance')
    .description('show the confirmed and pending balance of a wallet or address')
    .argument('<name-or-address>', 'a wallet name or an address');
  apiOptions(command);
  helpFooter(
    command,
    ['cairn-wallet balance dev0', 'cairn-wallet balance cairn1… --api localhost:8645 --json'],
    [ENV.api, ENV.token, ENV.walletDir],
  );
  command.action(async (target: string, opts: ApiOptions, cmd: Command) => {
    const g = globals(cmd);
    const client = apiClient(opts);
    const params = loadParams();
    const address = await resolveTarget(g.walletDir, target, params.addressPrefix);
    const hash = parseAddress(address, params.addressPrefix);
    const { account, pending } = await accountView(client, { hash, address });
    const b = pendingBalance(account, pending, { hash, address });
    const human = [
      address,
      `  confirmed: ${groupedCoins(b.confirmed)} coins`,
      `  pending:   ${groupedCoins(b.pending)} coins${b.pendingTxs > 0 ? ` (${plural(b.pendingTxs, 'pending tx', 'pending txs')})` : ''}${b.exact ? '' : ' (approximate: the node did not show every pending amount)'}`,
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
