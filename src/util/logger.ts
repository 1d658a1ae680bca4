// The node's structured logger (pino): JSON lines when stdout is not a terminal (for machines: jq, log
// shippers, the devnet script), with ISO-8601 times ("time":"2025-01-02T03:04:05.678Z"), so a log read a
// year later says when, in any time zone; and on a terminal, for people, one coloured line per event from
// pino-pretty (the pretty printer pino's authors keep), with hashes and peer ids shortened to their first
// characters. pino-pretty is loaded only on that path, so `cairn status` and a node logging to a file never
// load it.
import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';

export type { Logger };

/** Fields whose values are hashes or peer ids: shown short on a terminal (the JSON keeps them whole). */
const SHORT_FIELDS = [
  'hash',
  'tip',
  'tipHash',
  'prevHash',
  'blockHash',
  'oldTip',
  'newTip',
  'fork',
  'id',
  'ours',
  'theirs',
  'peer',
  'peerId',
] as const;

/**
 * A 64-hex hash as its first 8 digits ("00ab12cd…"), a libp2p peer id as "12D3Koo…" and its last 6
 * characters: enough to tell them apart in a terminal, as Core's and git's short ids are. Anything else,
 * and arrays of them, as they are.
 */
export function shortId(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shortId);
  if (typeof value !== 'string') return value;
  if (/^[0-9a-f]{64}$/.test(value)) return `${value.slice(0, 8)}…`;
  if (/^(12D3Koo|Qm)[1-9A-HJ-NP-Za-km-z]{30,}$/.test(value)) return `${value.slice(0, 7)}…${value.slice(-6)}`;
  return value;
}

/** The levels CAIRN_LOG_LEVEL may name, quietest last (pino's, plus `silent`). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** Is `level` one of LOG_LEVELS? (pino throws a puzzling "default level:… must be included" otherwise.) */
export function isLogLevel(level: string): boolean {
  return (LOG_LEVELS as readonly string[]).includes(level);
}

export interface LoggerOptions {
  readonly level?: string;
  readonly name?: string;
  /** Force pretty (true) or JSON (false); default: pretty on a TTY. */
  readonly pretty?: boolean;
  /** Colour in the pretty form; default: when the terminal supports it (and NO_COLOR is not set). */
  readonly colorize?: boolean;
  readonly destination?: NodeJS.WritableStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const out = opts.destination ?? process.stdout;
  const pretty = opts.pretty ?? Boolean((out as NodeJS.WriteStream).isTTY);
  const base = {
    level: opts.level ?? process.env.CAIRN_LOG_LEVEL ?? 'info',
    name: opts.name,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (!pretty) return pino(base, out);
  // Loaded here and only here: on a terminal (see the top of this file).
  const { PinoPretty, isColorSupported } = createRequire(import.meta.url)(
    'pino-pretty',
  ) as typeof import('pino-pretty');
  const short = (v: unknown) => String(shortId(v));
  const stream = PinoPretty({
    destination: out,
    sync: true,
    colorize: opts.colorize ?? (isColorSupported && !process.env.NO_COLOR),
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    singleLine: true,
    customPrettifiers: Object.fromEntries(SHORT_FIELDS.map((k) => [k, short])),
  });
  return pino(base, stream);
}

/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
