// `cairn-wallet address NAME`: a wallet's address, to give to whoever pays you (no password needed).
import type { Command } from 'commander';
import { readKeystore } from '../wallet-dir.js';
import { emit, globals } from './common.js';

export function registerAddress(program: Command): void {
  program
    .command('address')
    .description("print a wallet's address")
    .argument('<name>', 'wallet name')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const g = globals(cmd);
      const ks = await readKeystore(g.walletDir, name);
      emit(g, { name, address: ks.address, path: ks.path }, ks.address);
    });
}
