import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPassword, type PasswordIo } from '../../wallet/password.js';
import { code } from './error-code.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-pw-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A fake terminal: `input` claims to be a TTY, `written` collects what the prompt printed. */
function terminal(
  env: Record<string, string> = {},
): PasswordIo & { type: (s: string) => void; written: () => string } {
  const input = Object.assign(new PassThrough(), { isTTY: true });
  const output = new PassThrough();
  let written = '';
  output.on('data', (c: Buffer) => {
    written += c.toString('utf8');
  });
  return { env, input, output, type: (s) => input.write(s), written: () => written };
}

async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the prompt');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function notTerminal(env: Record<string, string> = {}): PasswordIo {
  return { env, input: Object.assign(new PassThrough(), { isTTY: false }), output: new PassThrough() };
}

describe('getPassword', () => {
  it('--password-file wins, minus one trailing newline; beats the environment', async () => {
    const f = join(dir, 'pw');
    await writeFile(f, 'pa ss\n');
    expect(
      await getPassword({ passwordFile: f, purpose: 'x' }, notTerminal({ CAIRN_WALLET_PASSWORD: 'env' })),
    ).toBe('pa ss');
    await writeFile(f, 'two\r\n\n');
    expect(await getPassword({ passwordFile: f, purpose: 'x' }, notTerminal())).toBe('two\r\n');
  });

  it('refuses a missing or empty password file', async () => {
    expect(await code(getPassword({ passwordFile: join(dir, 'nope'), purpose: 'x' }, notTerminal()))).toBe(
      'BAD_PASSWORD_FILE',
    );
    await writeFile(join(dir, 'empty'), '\n');
    expect(await code(getPassword({ passwordFile: join(dir, 'empty'), purpose: 'x' }, notTerminal()))).toBe(
      'EMPTY_PASSWORD',
    );
  });

  it('then CAIRN_WALLET_PASSWORD; set but empty is an error, not an empty password', async () => {
    expect(await getPassword({ purpose: 'x' }, notTerminal({ CAIRN_WALLET_PASSWORD: 's3cret' }))).toBe(
      's3cret',
    );
    expect(await code(getPassword({ purpose: 'x' }, notTerminal({ CAIRN_WALLET_PASSWORD: '' })))).toBe(
      'EMPTY_PASSWORD',
    );
  });

  it('with no source and no terminal: NO_PASSWORD at once (never waits on stdin)', async () => {
    expect(await code(getPassword({ purpose: 'x' }, notTerminal()))).toBe('NO_PASSWORD');
  });

  it('on a terminal: prompts, and does not echo what is typed', async () => {
    const tty = terminal();
    const answer = getPassword({ purpose: 'wallet "alice"' }, tty);
    tty.type('hunter2\r');
    expect(await answer).toBe('hunter2');
    expect(tty.written()).toContain('Password for wallet "alice": ');
    expect(tty.written()).not.toContain('hunter2');
  });

  it('on a terminal, for a new keystore: asks twice and refuses a mismatch', async () => {
    const tty = terminal();
    const answer = getPassword({ purpose: 'new', confirm: true }, tty);
    tty.type('one\r');
    await until(() => tty.written().includes('Repeat the password: ')); // the second prompt opens after the first answer
    tty.type('two\r');
    expect(await code(answer)).toBe('PASSWORD_MISMATCH');

    const again = terminal();
    const same = getPassword({ purpose: 'new', confirm: true }, again);
    again.type('same\r');
    await until(() => again.written().includes('Repeat the password: '));
    again.type('same\r');
    expect(await same).toBe('same');
    expect(again.written()).not.toContain('same');
  });
});
