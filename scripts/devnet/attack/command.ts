// `npm run devnet -- attack NAME [options]`: the attack scenarios (docs/ATTACKS.md). Each starts a devnet
// of its own (real `cairn start` processes on a chain written for the run), plays the attack with real
// blocks through the real network, prints a plain-language account of what happened and why, and
// publishes each step as an `attack` event on its supervisor's merged stream for the dashboard.
import { type Command, InvalidArgumentError } from 'commander';
import { type CommonOptions, DEFAULT_ATTACK_BASE_PORT } from './common.js';
import { DOUBLE_SPEND_DEFAULTS, type DoubleSpendOptions, doubleSpend } from './double-spend.js';
import { DEFAULT_FAKE_CHAIN_HONEST_BLOCKS, type FakeChainOptions, fakeChain } from './fake-chain.js';
import { parseShare } from './lottery.js';
import { Narrator } from './narrator.js';
import { DEFAULT_SELFISH_ALPHAS, DEFAULT_SELFISH_BLOCKS, selfishMining } from './selfish-mining.js';
import { type TimestampOptions, timestampAttack } from './timestamp.js';

function int(name: string, min: number, max: number) {
  return (v: string) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max)
      throw new InvalidArgumentError(`--${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
}

function shareList(name: string, below?: number) {
  return (v: string) => {
    try {
      const shares = v.split(',').map(parseShare);
      for (const s of shares) {
        if (s <= 0 || s >= 1) throw new Error('each share must be more than 0 % and less than 100 %');
        if (below !== undefined && s >= below) throw new Error(`each share must be below ${below * 100} %`);
      }
      return shares;
    } catch (e) {
      throw new InvalidArgumentError(`--${name}: ${(e as Error).message}`);
    }
  };
}

/** The options every scenario takes. */
function common(cmd: Command): Command {
  return cmd
    .option(
      '--base-port <p>',
      'node i listens on P+2i (API) and P+2i+1 (P2P); the dashboard on the port after the last node’s',
      int('base-port', 1024, 65000),
      DEFAULT_ATTACK_BASE_PORT,
    )
    .option(
      '--seed <n>',
      'the lottery’s seed: the same seed replays the same winners',
      int('seed', 0, 2 ** 32 - 1),
      1,
    )
    .option('--dir <dir>', 'where the run’s nodes live, wiped first (default .devnet/attack-NAME)')
    .option('--report <file>', 'also write the account and every measured number as JSON')
    .option('--keep', 'leave the devnet and its dashboard running after the account, until Ctrl-C');
}

type Fail = (message: string) => never;

async function run<T>(fail: Fail, narrator: Narrator, body: () => Promise<T>): Promise<void> {
  try {
    await body();
  } catch (e) {
    fail(`attack ${narrator.scenario} failed: ${(e as Error).message}`);
  }
}

export function attackCommand(program: Command, fail: Fail): void {
  const attack = program
    .command('attack')
    .description('run an attack on a devnet of its own and explain what happened (docs/ATTACKS.md)');

  common(
    attack
      .command('double-spend')
      .description(
        'pay a merchant, mine a branch that takes it back in private, release it after k confirmations',
      ),
  )
    .option(
      '--shares <list>',
      'the attacker’s shares of the hash power, one series of trials each (percent or fractions)',
      shareList('shares'),
      [...DOUBLE_SPEND_DEFAULTS.shares],
    )
    .option(
      '--confirmations <k>',
      'the merchant ships after this many confirmations',
      int('confirmations', 1, 20),
      DOUBLE_SPEND_DEFAULTS.confirmations,
    )
    .option('--trials <n>', 'attacks per share', int('trials', 1, 10_000), DOUBLE_SPEND_DEFAULTS.trials)
    .option(
      '--give-up <n>',
      'a minority attacker gives up this many blocks behind',
      int('give-up', 1, 1000),
      DOUBLE_SPEND_DEFAULTS.giveUpBehind,
    )
    .option('--no-premine', 'race from the payment on, without a block mined before paying')
    .action((flags: Omit<DoubleSpendOptions, 'giveUpBehind'> & { giveUp: number }) => {
      const narrator = new Narrator('double-spend');
      return run(fail, narrator, () => doubleSpend({ ...flags, giveUpBehind: flags.giveUp }, narrator));
    });

  common(
    attack
      .command('fake-chain')
      .description('offer a longer chain with less work, and blocks with easier bits than allowed'),
  )
    .option(
      '--honest-blocks <n>',
      'honest blocks mined before the attack',
      int('honest-blocks', 12, 1000),
      DEFAULT_FAKE_CHAIN_HONEST_BLOCKS,
    )
    .action((flags: FakeChainOptions) => {
      const narrator = new Narrator('fake-chain');
      return run(fail, narrator, () => fakeChain(flags, narrator));
    });

  common(
    attack
      .command('timestamp')
      .description(
        'blocks stamped before the median time past and beyond the future limit; what ASERT would do',
      ),
  ).action((flags: TimestampOptions) => {
    const narrator = new Narrator('timestamp');
    return run(fail, narrator, () => timestampAttack(flags, narrator));
  });

  common(
    attack
      .command('selfish-mining')
      .description(
        'a pool withholds blocks by Eyal and Sirer’s strategy; its share of the main chain vs their formula',
      ),
  )
    .option(
      '--alphas <list>',
      'the pool’s shares of the hash power, one run each (percent or fractions)',
      shareList('alphas', 0.5),
      [...DEFAULT_SELFISH_ALPHAS],
    )
    .option('--blocks <n>', 'blocks found per share', int('blocks', 10, 1_000_000), DEFAULT_SELFISH_BLOCKS)
    .action((flags: CommonOptions & { alphas: number[]; blocks: number }) => {
      const narrator = new Narrator('selfish-mining');
      return run(fail, narrator, () => selfishMining(flags, narrator));
    });
}
