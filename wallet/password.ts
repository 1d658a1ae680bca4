// Where the keystore password comes from, in this order:
//   1. `--password-file F`: the file's contents, minus one trailing newline (scripts, CI);
//   2. env CAIRN_WALLET_PASSWORD (scripts; note that other processes of the same user may read it);
//   3. a hidden prompt on the terminal, asked twice when a new keystore is being made.
// With none of them and no terminal, the command fails at once with a clear message rather than hanging
// on a read that nobody will answer. The password never appears in any output or error.
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { badInput, WalletError } from './errors.js';

export interface PasswordRequest {
  readonly passwordFile?: string | undefined;
  /** A new keystore: refuse an empty password, and on a terminal ask twice. */
  readonly confirm?: boolean;
  /** What the password is for, shown in the prompt ("wallet alice"). */
  readonly purpose: string;
}

/** The process's streams and environment, injectable for tests. */
export interface PasswordIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly input: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly output: NodeJS.WritableStream;
}

export function processIo(): PasswordIo {
  return { env: process.env, input: process.stdin, output: process.stderr };
}

export async function getPassword(request: PasswordRequest, io: PasswordIo = processIo()): Promise<string> {
  if (request.passwordFile !== undefined) {
    let text: string;
    try {
      text = await readFile(request.passwordFile, 'utf8');
    } catch (e) {
      const why = (e as { code?: string }).code ?? 'unreadable';
      throw badInput('BAD_PASSWORD_FILE', `cannot read the password file ${request.passwordFile} (${why})`);
    }
    const password = text.replace(/\r?\n$/, '');
    if (password.length === 0) {
      throw badInput('EMPTY_PASSWORD', `the password file ${request.passwordFile} is empty`);
    }
    return password;
  }
  const fromEnv = io.env.CAIRN_WALLET_PASSWORD;
  if (fromEnv !== undefined) {
    if (fromEnv.length === 0) throw badInput('EMPTY_PASSWORD', 'CAIRN_WALLET_PASSWORD is set but empty');
    return fromEnv;
  }
  if (!io.input.isTTY) {
    throw badInput(
      'NO_PASSWORD',
      'no password given: use --password-file FILE or set CAIRN_WALLET_PASSWORD (or run in a terminal to be asked)',
    );
  }
  const password = await promptHidden(`Password for ${request.purpose}: `, io);
  if (request.confirm) {
    if (password.length === 0) throw badInput('EMPTY_PASSWORD', 'the password must not be empty');
    const again = await promptHidden('Repeat the password: ', io);
    if (again !== password)
      throw badInput('PASSWORD_MISMATCH', 'the two passwords differ; nothing was written');
  }
  return password;
}

/**
 * Ask a question on the terminal without echoing the answer. readline echoes what it reads to its output
 * stream, so it is given a stream that swallows everything once the question has been shown.
 */
export function promptHidden(question: string, io: PasswordIo): Promise<string> {
  let muted = false;
  const sink = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) io.output.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: io.input, output: sink, terminal: true });
  return new Promise<string>((resolve, reject) => {
    rl.on('SIGINT', () => {
      rl.close();
      io.output.write('\n');
      reject(new WalletError('FAILED', 'CANCELLED', 'cancelled at the password prompt'));
    });
    rl.question(question, (answer) => {
      rl.close();
      io.output.write('\n');
      resolve(answer);
    });
    muted = true;
  });
}
