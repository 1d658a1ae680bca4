// `cairn-wallet import NAME --mnemonic "…"`: restore a key from its BIP 39 words.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ENV, helpFooter } from '../../src/client/help.js';
import { badInput } from '../errors.js';
import { normalizeMnemonic, walletPath } from '../keys.js';
import { checkName } from '../wallet-dir.js';
import { emit, globals, saveMnemonicKey } from './common.js';

interface ImportOptions {
  mnemonic?: string;
  mnemonicFile?: string;
  index: string;
  passwordFile?: string;
}

export function registerImport(program: Command): void {
  const command = program
    .command('import')
    .description("import a key from its BIP 39 mnemonic (derived at m/44'/1'/0'/0/INDEX)")
    .argument('<name>', 'wallet name (letters, digits, "_" or "-")')
    .option('--mnemonic <words>', 'the mnemonic, quoted (beware: it stays in your shell history)')
    .option('--mnemonic-file <file>', 'read the mnemonic from this file instead')
    .option('--index <n>', 'child index of the key on the path', '0')
    .option('--password-file <file>', 'read the keystore password from this file');
  helpFooter(
    command,
    [
      'cairn-wallet import alice --mnemonic-file ./words.txt',
      'cairn-wallet import bob --mnemonic "word1 … word24" --index 1',
    ],
    [ENV.walletDir, ENV.password],
  );
  command.action(async (name: string, opts: ImportOptions, cmd: Command) => {
    const g = globals(cmd);
    checkName(name);
    if ((opts.mnemonic === undefined) === (opts.mnemonicFile === undefined)) {
      throw badInput(
        'BAD_MNEMONIC',
        'give the words with exactly one of --mnemonic "…" or --mnemonic-file FILE',
      );
    }
    if (!/^[0-9]{1,10}$/.test(opts.index)) {
      throw badInput(
        'BAD_INDEX',
        `--index must be a whole number, got ${JSON.stringify(opts.index.slice(0, 20))}`,
      );
    }
    const path = walletPath(Number(opts.index));
    let text = opts.mnemonic;
    if (opts.mnemonicFile !== undefined) {
      try {
        text = await readFile(opts.mnemonicFile, 'utf8');
      } catch (e) {
        const why = (e as { code?: string }).code ?? 'unreadable';
        throw badInput('BAD_MNEMONIC', `cannot read the mnemonic file ${opts.mnemonicFile} (${why})`);
      }
    }
    const mnemonic = normalizeMnemonic(text ?? '');
    const { address, file } = await saveMnemonicKey(g, name, mnemonic, path, opts.passwordFile);
    emit(
      g,
      { name, address, path, keystore: file },
      `Imported wallet "${name}"\n  address:  ${address}\n  path:     ${path}\n  keystore: ${file}`,
    );
  });
}
