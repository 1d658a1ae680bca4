// `cairn-wallet broadcast RAW`: submit a tx signed elsewhere (by `sign`). RAW is the hex, or "-" to read
// it from stdin (`cairn-wallet sign … | cairn-wallet broadcast -`). No key or password is involved.
import type { Command } from 'commander';
import { ENV, helpFooter } from '../../src/client/help.js';
import { fromHex } from '../../src/consensus/bytes.js';
import { decodeTx } from '../../src/consensus/encoding.js';
import { isRuleError } from '../../src/consensus/errors.js';
import { checkTxSignature } from '../../src/consensus/signature.js';
import { badInput } from '../errors.js';
import { type ApiOptions, apiClient, apiOptions, emit, globals } from './common.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function registerBroadcast(program: Command): void {
  const command = program
    .command('broadcast')
    .description('submit a raw signed tx (hex, or "-" for stdin) to the node and print its id')
    .argument('<raw>', 'the hex printed by `sign`, or "-" to read it from stdin');
  apiOptions(command);
  helpFooter(
    command,
    ['cairn-wallet broadcast 0100…(hex)', 'cairn-wallet sign --from dev0 … | cairn-wallet broadcast -'],
    [ENV.api, ENV.token],
  );
  command.action(async (rawArg: string, opts: ApiOptions, cmd: Command) => {
    const g = globals(cmd);
    const raw = (rawArg === '-' ? await readStdin() : rawArg).trim().toLowerCase();
    let bytes: Uint8Array;
    try {
      bytes = fromHex(raw);
    } catch (e) {
      throw badInput('BAD_RAW_TX', `the raw tx is not hex: ${(e as Error).message}`);
    }
    let tx: ReturnType<typeof decodeTx>;
    try {
      tx = decodeTx(bytes);
    } catch (e) {
      if (isRuleError(e)) throw badInput('BAD_RAW_TX', `the raw tx is not a signed Cairn tx: ${e.message}`);
      throw e;
    }
    const client = apiClient(opts);
    const status = await client.status();
    // Checked here too so that the likeliest mistake gets a message that names it: a tx signed for another
    // chain (`sign` without --regtest for a regtest node, or the reverse). The node would say BAD_SIGNATURE.
    try {
      checkTxSignature(tx, fromHex(status.genesisHash));
    } catch (e) {
      if (!isRuleError(e)) throw e;
      throw badInput(
        'WRONG_CHAIN',
        `the tx's signature is not valid on the node's chain "${status.network}" (${e.code}): was it signed for another chain? (\`sign --regtest\` or \`--genesis FILE\` must match the node)`,
      );
    }
    const id = await client.submitTx(raw);
    emit(g, { id, status: 'pending', network: status.network }, id);
  });
}
