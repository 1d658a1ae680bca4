// `cairn-wallet create NAME`: a new key from a fresh 24-word mnemonic, stored encrypted.
import type { Command } from 'commander';
import { ENV, helpFooter } from '../../src/client/help.js';
import { generateMnemonic, walletPath } from '../keys.js';
import { checkName } from '../wallet-dir.js';
import { emit, globals, saveMnemonicKey } from './common.js';

const WARNING =
  'WRITE THESE WORDS DOWN, on paper, and keep them secret. They are the only backup of this key: the ' +
  'keystore file is useless without its password, and anyone who sees the words can spend the funds. ' +
  'They will not be shown again.';

export function registerCreate(program: Command): void {
  const command = program
    .command('create')
    .description('create a new key from a fresh 24-word BIP 39 mnemonic (shown once: write it down)')
    .argument('<name>', 'wallet name (letters, digits, "_" or "-")')
    .option('--password-file <file>', 'read the keystore password from this file');
  helpFooter(
    command,
    ['cairn-wallet create alice', 'cairn-wallet create bob --password-file ./pw.txt'],
    [ENV.walletDir, ENV.password],
  );
  command.action(async (name: string, opts: { passwordFile?: string }, cmd: Command) => {
    const g = globals(cmd);
    checkName(name);
    const mnemonic = generateMnemonic();
    const path = walletPath(0);
    // The keystore is written before the words are shown: if writing fails, no one copies down words
    // for a key that was never saved.
    const { address, file } = await saveMnemonicKey(g, name, mnemonic, path, opts.passwordFile);
    const words = mnemonic.split(' ');
    const numbered = words.map((w, i) => `${String(i + 1).padStart(2)}. ${w.padEnd(9)}`);
    const rows: string[] = [];
    for (let i = 0; i < numbered.length; i += 6)
      rows.push(`  ${numbered.slice(i, i + 6).join(' ')}`.trimEnd());
    emit(
      g,
      { name, address, path, keystore: file, mnemonic, warning: WARNING },
      [
        `Created wallet "${name}"`,
        `  address:  ${address}`,
        `  path:     ${path}`,
        `  keystore: ${file}`,
        '',
        `!!! ${WARNING}`,
        '',
        ...rows,
        '',
      ].join('\n'),
    );
  });
}
