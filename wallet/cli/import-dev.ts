// `cairn-wallet import-dev`: import the well-known development keys that genesis.json funds, so a
// newcomer on a devnet or regtest node can send a transfer in their first minute. They are PUBLIC.
import type { Command } from 'commander';
import { ENV, helpFooter } from '../../src/client/help.js';
import { encodeAddress } from '../../src/consensus/address.js';
import { loadParams } from '../chain.js';
import { DEV_PATH, devKeys } from '../dev-keys.js';
import { badInput } from '../errors.js';
import { encryptKeystore, scryptParamsFromEnv } from '../keystore.js';
import { getPassword } from '../password.js';
import { readKeystore, walletExists, writeNewKeystore } from '../wallet-dir.js';
import { emit, globals, note } from './common.js';

const WARNING =
  'WARNING: dev0…dev4 are PUBLIC, INSECURE development keys. Their mnemonic is printed in Cairn, Hardhat ' +
  'and Anvil; anyone can spend from them. Use them only on a local devnet or regtest, never for anything of value.';

export function registerImportDev(program: Command): void {
  const command = program
    .command('import-dev')
    .description('import the PUBLIC development keys dev0…dev4 that genesis.json funds (devnet/regtest only)')
    .option('--password-file <file>', 'read the keystore password from this file');
  helpFooter(
    command,
    ['cairn-wallet import-dev', 'CAIRN_WALLET_PASSWORD=dev cairn-wallet import-dev --json'],
    [ENV.walletDir, ENV.password],
  );
  command.action(async (opts: { passwordFile?: string }, cmd: Command) => {
    const g = globals(cmd);
    note(g, WARNING);
    const params = loadParams();
    const keys = devKeys();
    const plan: { name: string; address: string; path: string; index: number; imported: boolean }[] = [];
    // Check every name first, so a clash changes nothing at all.
    for (const key of keys) {
      const address = encodeAddress(key.addressHash, params.addressPrefix);
      const path = `${DEV_PATH}/${key.index}`;
      let imported = true;
      if (await walletExists(g.walletDir, key.name)) {
        const existing = await readKeystore(g.walletDir, key.name);
        if (existing.address !== address) {
          throw badInput(
            'WALLET_EXISTS',
            `a wallet named "${key.name}" already exists in ${g.walletDir} and is not the development key; nothing was imported`,
          );
        }
        imported = false; // already there: leave it as it is
      }
      plan.push({ name: key.name, address, path, index: key.index, imported });
    }
    const todo = plan.filter((p) => p.imported);
    if (todo.length > 0) {
      const scrypt = scryptParamsFromEnv(process.env);
      const password = await getPassword({
        passwordFile: opts.passwordFile,
        confirm: true,
        purpose: 'the development wallets',
      });
      // Each key costs one scrypt (a fraction of a second at the default N): say which one is being done.
      for (const [i, p] of todo.entries()) {
        note(g, `encrypting ${p.name} (${i + 1} of ${todo.length})…`);
        const key = keys[p.index]!;
        const keystore = encryptKeystore({
          name: p.name,
          address: p.address,
          path: p.path,
          secret: { privateKey: key.privateKey, mnemonic: null },
          password,
          scrypt,
        });
        await writeNewKeystore(g.walletDir, keystore);
      }
    }
    emit(
      g,
      {
        warning: WARNING,
        wallets: plan.map(({ name, address, path, imported }) => ({ name, address, path, imported })),
      },
      plan
        .map((p) => `${p.name.padEnd(6)} ${p.address}${p.imported ? '' : '  (already imported)'}`)
        .join('\n'),
    );
  });
}
