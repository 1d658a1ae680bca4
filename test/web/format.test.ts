// The dashboard's event log names an attack scenario's steps as its terminal narration does, from the
// very events the narrator puts on the devnet's merged stream.
import { describe, expect, it } from 'vitest';
import { type AttackEvent, Narrator } from '../../scripts/devnet/attack/narrator.js';
import { attackLogText } from '../../web/src/model/format.js';

describe('attackLogText', () => {
  it('a step reads "scenario: title"; the result also says how it ended', () => {
    const sent: AttackEvent[] = [];
    const narrator = new Narrator('double-spend', () => {});
    narrator.attach({ publish: (e) => sent.push(JSON.parse(JSON.stringify(e)) as AttackEvent) });
    narrator.step('The payment has 2 confirmations', 'The victim sees it on its main chain.', { depth: 2n });
    narrator.result('failed', 'The honest chain stayed ahead', 'The attacker gave up.');
    expect(sent.map(attackLogText)).toEqual([
      'double-spend: The payment has 2 confirmations',
      'double-spend result (failed): The honest chain stayed ahead',
    ]);
  });
});
