import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, test } from 'vitest';
import { statusOfKind, toHttpError } from '../../src/api/errors.js';
import { describeError as describeCliError } from '../../src/cli/exit-codes.js';
import { exitForKind } from '../../src/client/exit-codes.js';
import {
  type CodedError,
  condemnsHeader,
  OUTCOME_KINDS,
  type OutcomeKind,
  RULE_CODES,
  type RuleCode,
  RuleError,
} from '../../src/consensus/errors.js';
import { isMalformedBody, MALFORMED_BODY_CODES } from '../../src/consensus/validation.js';
import { VERIFIER_CODES, type VerifierCode, VerifierError } from '../../src/crypto/verifier.js';
import { MEMPOOL_CODES, type MempoolCode, MempoolError } from '../../src/mempool/policy.js';
import { PROTOCOL_CODES, ProtocolError, type ProtocolErrorCode } from '../../src/p2p/framing.js';
import { gossipVerdict, kindOf, penaltyFor, requestPenalty, type Verdict } from '../../src/p2p/outcome.js';
import type { Offence } from '../../src/p2p/scoring.js';

describe('gossipVerdict: the one mapping from outcomes to ACCEPT / IGNORE / REJECT', () => {
  test('blocks: new ones are forwarded, duplicates and orphans are not, and cost nothing', () => {
    expect(gossipVerdict({ block: 'connected' })).toBe('accept');
    expect(gossipVerdict({ block: 'stored' })).toBe('accept');
    expect(gossipVerdict({ block: 'duplicate' })).toBe('ignore');
    expect(gossipVerdict({ block: 'orphan' })).toBe('ignore');
    expect(gossipVerdict({ tx: 'added' })).toBe('accept');
  });

  test('every rule code rejects, except a missing parent and a time ahead of our clock', () => {
    for (const code of Object.keys(RULE_CODES) as RuleCode[]) {
      const expected = code === 'UNKNOWN_PARENT' || code === 'TIME_TOO_NEW' ? 'ignore' : 'reject';
      expect([code, gossipVerdict({ error: new RuleError(code, 'x') })]).toEqual([code, expected]);
    }
  });

  test('mempool policy refusals are never the sender\u2019s fault', () => {
    for (const code of Object.keys(MEMPOOL_CODES) as MempoolCode[]) {
      expect(gossipVerdict({ error: new MempoolError(code, 'x') })).toBe('ignore');
    }
  });

  test('a payload of the wrong shape rejects; our own failures ignore', () => {
    expect(gossipVerdict({ error: new ProtocolError('OVERSIZED', 'x') })).toBe('reject');
    expect(gossipVerdict({ error: new Error('LevelDB is closed') })).toBe('ignore');
  });
});

// --- The walk: every code of every family through every mapping, against docs/ARCHITECTURE.md §4 ------

interface Row {
  readonly gossip: Verdict;
  readonly penalty: { readonly block: Offence | null; readonly tx: Offence | null };
  readonly headerInvalid: boolean;
  readonly mutatedBody: boolean;
  readonly http: number;
  readonly exit: number;
}

/**
 * The outcome table as docs/ARCHITECTURE.md prints it (the rows after its `outcome-table` marker): the
 * documentation is the contract, so the code is checked against what a reader is told, not against a
 * second copy kept here.
 */
function documentedTable(): Map<OutcomeKind, Row> {
  const text = readFileSync(join(import.meta.dirname, '../../docs/ARCHITECTURE.md'), 'utf8');
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.includes('<!-- outcome-table'));
  expect(start, 'docs/ARCHITECTURE.md has an outcome-table marker').toBeGreaterThanOrEqual(0);
  const table = new Map<OutcomeKind, Row>();
  const cellsOf = (line: string) =>
    line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim().replaceAll('`', ''));
  const header = cellsOf(lines[start + 1]!);
  const col = (name: string) => {
    const i = header.findIndex((h) => h.startsWith(name));
    expect(i, `column "${name}" in the outcome table`).toBeGreaterThanOrEqual(0);
    return i;
  };
  const [kindC, gossipC, penaltyC, headerC, mutatedC, httpC, exitC] = [
    'kind',
    'gossip',
    'penalty',
    'header invalid',
    'mutated body',
    'HTTP',
    'CLI exit',
  ].map(col) as [number, number, number, number, number, number, number];
  const offence = (s: string): Offence | null => (s === 'none' ? null : (s as Offence));
  const yesNo = (s: string) => {
    expect(['yes', 'no']).toContain(s);
    return s === 'yes';
  };
  for (const line of lines.slice(start + 3)) {
    if (!line.startsWith('|')) break;
    const c = cellsOf(line);
    const [block, tx = block] = c[penaltyC]!.split('/').map((s) => s.trim()) as [string, string?];
    table.set(c[kindC] as OutcomeKind, {
      gossip: c[gossipC] as Verdict,
      penalty: { block: offence(block), tx: offence(tx) },
      headerInvalid: yesNo(c[headerC]!),
      mutatedBody: yesNo(c[mutatedC]!),
      http: Number.parseInt(c[httpC]!, 10),
      exit: Number.parseInt(c[exitC]!, 10),
    });
  }
  return table;
}

const table = documentedTable();
const row = (kind: OutcomeKind): Row => table.get(kind)!;

/** Every coded error Cairn can raise: one instance per code of every family's table. */
const everyCode: readonly CodedError[] = [
  ...(Object.keys(RULE_CODES) as RuleCode[]).map((c) => new RuleError(c, 'why')),
  ...(Object.keys(MEMPOOL_CODES) as MempoolCode[]).map((c) => new MempoolError(c, 'why')),
  ...(Object.keys(PROTOCOL_CODES) as ProtocolErrorCode[]).map((c) => new ProtocolError(c, 'why')),
  ...(Object.keys(VERIFIER_CODES) as VerifierCode[]).map((c) => new VerifierError(c, 'why')),
];

describe('the one outcome table: every code, every mapping agrees with its kind', () => {
  it('the documented table has one row for each outcome kind, and nothing else', () => {
    expect([...table.keys()].sort()).toEqual([...OUTCOME_KINDS].sort());
  });

  it('each family carries its table\u2019s kind and Core name', () => {
    for (const [code, info] of Object.entries(RULE_CODES)) {
      expect(new RuleError(code as RuleCode, 'x')).toMatchObject({
        code,
        kind: info.kind,
        coreName: info.core,
      });
    }
    for (const [code, info] of Object.entries(MEMPOOL_CODES)) {
      expect(new MempoolError(code as MempoolCode, 'x')).toMatchObject({
        code,
        kind: info.kind,
        coreName: info.core,
      });
    }
    for (const [code, info] of Object.entries(PROTOCOL_CODES)) {
      expect(new ProtocolError(code as ProtocolErrorCode, 'x')).toMatchObject({ code, kind: info.kind });
    }
    for (const [code, info] of Object.entries(VERIFIER_CODES)) {
      expect(new VerifierError(code as VerifierCode, 'x')).toMatchObject({ code, kind: info.kind });
    }
    for (const e of everyCode) expect(kindOf(e)).toBe(e.kind);
  });

  it.each(everyCode.map((e) => [`${e.name} ${e.code}`, e] as const))('%s: the gossip verdict', (_, e) => {
    expect(gossipVerdict({ error: e })).toBe(row(e.kind).gossip);
  });

  it.each(everyCode.map((e) => [`${e.name} ${e.code}`, e] as const))(
    '%s: the penalty (sync, request/response, gossip on reject)',
    (_, e) => {
      if (e instanceof ProtocolError) {
        // A failed exchange costs its own table's offence (a timeout, a flood, garbage), whatever its kind;
        // a protocol the peer does not offer is forgiven, except status, which every node of this chain speaks.
        const { offence } = PROTOCOL_CODES[e.code];
        expect(penaltyFor(e, 'block')).toBe(offence);
        expect(requestPenalty(e, 'status')).toBe(offence);
        expect(requestPenalty(e, 'headers')).toBe(e.code === 'UNSUPPORTED' ? null : offence);
        return;
      }
      expect(penaltyFor(e, 'block')).toBe(row(e.kind).penalty.block);
      expect(penaltyFor(e, 'tx')).toBe(row(e.kind).penalty.tx);
    },
  );

  it.each(Object.keys(RULE_CODES) as RuleCode[])(
    'rule code %s: marks a header invalid, and counts as a mutated body, exactly as its kind says',
    (code) => {
      const { kind } = RULE_CODES[code];
      expect(condemnsHeader(kind)).toBe(row(kind).headerInvalid);
      expect(MALFORMED_BODY_CODES.has(code)).toBe(row(kind).mutatedBody);
      expect(isMalformedBody(new RuleError(code, 'x'))).toBe(row(kind).mutatedBody);
    },
  );

  it.each(
    [
      ...(Object.keys(RULE_CODES) as RuleCode[]).map((c) => new RuleError(c, 'why')),
      ...(Object.keys(MEMPOOL_CODES) as MempoolCode[]).map((c) => new MempoolError(c, 'why')),
    ].map((e) => [`${e.name} ${e.code}`, e] as const),
  )('%s: the HTTP status (and Retry-After when it is 503)', (_, e) => {
    const http = toHttpError(e);
    expect(http.status).toBe(row(e.kind).http);
    expect(statusOfKind(e.kind)).toBe(row(e.kind).http);
    expect(http.body.error.code).toBe(e.code);
    expect(http.headers?.['retry-after'] !== undefined).toBe(row(e.kind).http === 503);
  });

  it.each(everyCode.map((e) => [`${e.name} ${e.code}`, e] as const))('%s: the CLI exit code', (_, e) => {
    expect(describeCliError(e)).toMatchObject({ exitCode: row(e.kind).exit, code: e.code });
    expect(exitForKind(e.kind)).toBe(row(e.kind).exit);
  });

  it('every kind is used by some code (no row of the table is dead)', () => {
    const used = new Set(everyCode.map((e) => e.kind));
    expect([...used].sort()).toEqual([...OUTCOME_KINDS].sort());
  });
});
