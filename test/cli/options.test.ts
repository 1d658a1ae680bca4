import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { apiOptions, plural, positiveInt } from '../../src/cli/options.js';

describe('cli options', () => {
  it('plural: one is singular, everything else plural', () => {
    expect(plural(1, 'confirmation')).toBe('1 confirmation');
    expect(plural(0, 'confirmation')).toBe('0 confirmations');
    expect(plural(2n, 'account')).toBe('2 accounts');
    expect(plural(1n, 'account')).toBe('1 account');
    expect(plural(3, 'tx')).toBe('3 txs');
  });

  it('--wait takes no value (the default) or seconds; anything else is refused when parsed', () => {
    const parse = (...args: string[]) => {
      const cmd = apiOptions(new Command('x').exitOverride().configureOutput({ writeErr: () => {} }));
      cmd.parse(args, { from: 'user' });
      return cmd.opts<{ wait?: number | true }>().wait;
    };
    expect(parse()).toBeUndefined();
    expect(parse('--wait')).toBe(true);
    expect(parse('--wait', '2.5')).toBe(2.5);
    expect(() => parse('--wait', 'soon')).toThrow(/--wait takes a number of seconds/);
    expect(() => parse('--wait', '0')).toThrow(/--wait/);
  });

  it('positiveInt refuses 0, signs, decimals and values over the maximum', () => {
    const p = positiveInt('blocks', 10);
    expect(p('1')).toBe(1);
    expect(p('10')).toBe(10);
    for (const bad of ['0', '-1', '1.5', '11', 'x', '']) expect(() => p(bad), bad).toThrow(/--blocks/);
  });
});
