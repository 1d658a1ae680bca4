// `cairn-wallet sign …`: sign a transfer OFFLINE and print the raw tx, for `broadcast` on another
// machine. Nothing here touches the network, so the key can live on a computer that never goes online.
// With no node to ask, the nonce is given (`--nonce`, the sender's account nonce + its pending txs) and
// the chain comes from a genesis file: the signature commits to its genesis hash (docs/PROTOCOL.md).
import type { Command } from 'commander';
import { ENV, helpFooter } from '../../src/client/help.js';
import { encodeAddress } from '../../src/consensus/address.js';
import { toHex } from '../../src/consensus/bytes.js';
import { formatCoins, parseCoins } from '../amount.js';
import { loadParams } from '../chain.js';
import { buildTransfer, DEFAULT_FEE } from '../tx-builder.js';
import { appendSentLog, readKeystore } from '../wallet-dir.js';
import { emit, globals, parseAddress, parseU64, unlock } from './common.js';

interface SignOptions {
  from: string;
  to: string;
  amount: string;
  nonce: string;
  fee: string;
  genesis?: string;
  regtest?: boolean;
  passwordFile?: string;
}

export function registerSign(program: Command): void {
  const command = program
    .command('sign')
    .description('sign a transfer offline and print the raw tx (hex) for `broadcast`')
    .requiredOption('--from <name>', 'the sending wallet')
    .requiredOption('--to <address>', 'the recipient address')
    .requiredOption('--amount <coins>', 'amount in coins, e.g. 1.5 (at most 8 decimals)')
    .requiredOption('--nonce <n>', "the sender's next nonce (its account nonce + its pending txs)")
    .option('--fee <coins>', 'fee in coins, paid to the miner', formatCoins(DEFAULT_FEE))
    .option('--genesis <file>', "the chain's genesis file (default: Cairn's genesis.json)")
    .option('--regtest', 'sign for the built-in regtest chain')
    .option('--password-file <file>', 'read the keystore password from this file');
  helpFooter(
    command,
    [
      'cairn-wallet sign --from dev0 --to dev1 --amount 1 --nonce 0 --regtest',
      'cairn-wallet sign --from alice --to cairn1… --amount 2 --nonce 5 --genesis ./genesis.json',
    ],
    [ENV.walletDir, ENV.password],
  );
  command.action(async (opts: SignOptions, cmd: Command) => {
    const g = globals(cmd);
    const amount = parseCoins(opts.amount, { what: 'amount' });
    const fee = parseCoins(opts.fee, { what: 'fee', allowZero: true });
    const nonce = parseU64(opts.nonce, '--nonce');
    const params = loadParams({ genesis: opts.genesis, regtest: opts.regtest });
    const to = parseAddress(opts.to, params.addressPrefix);
    await readKeystore(g.walletDir, opts.from);
    const { keystore, secret } = await unlock(g, opts.from, opts.passwordFile);
    const signed = buildTransfer({ to, amount, fee, nonce }, secret.privateKey, params.genesisHash);
    secret.privateKey.fill(0);
    const toText = encodeAddress(to, params.addressPrefix);
    await appendSentLog(g.walletDir, opts.from, {
      id: signed.id,
      kind: 'signed',
      to: toText,
      amount: amount.toString(),
      fee: fee.toString(),
      nonce: nonce.toString(),
      network: params.network,
      time: new Date().toISOString(),
      raw: signed.raw,
    });
    emit(
      g,
      {
        id: signed.id,
        raw: signed.raw,
        from: keystore.address,
        to: toText,
        amount,
        fee,
        nonce,
        network: params.network,
        genesisHash: toHex(params.genesisHash),
      },
      signed.raw,
    );
  });
}
