// `cairn-wallet address NAME`: a wallet's address, to give to whoever pays you (no password needed).
import type { Command } from 'commander';
import { ENV, helpFooter } from '../../src/client/help.js';
import { readKeystore } from '../wallet-dir.js';
import { emit, globals } from './common.js';

export function registerAddress(program: Command): void {
  const command = program
    .command('address')
    .description("print a wallet's address")
    .argument('<name>', 'wallet name');
  helpFooter(command, ['cairn-wallet address dev0'], [ENV.walletDir]);
  command.action(async (name: string, _opts: unknown, cmd: Command) => {
    const g = globals(cmd);
    const ks = await readKeystore(g.walletDir, name);
    emit(g, { name, address: ks.address, path: ks.path }, ks.address);
  });
}
