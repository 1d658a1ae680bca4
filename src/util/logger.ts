// The node's structured logger (pino): JSON lines when stdout is not a terminal (for machines: jq, log
// shippers, the devnet script), one readable line per event on a terminal (for people).
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

export type { Logger };

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
const OMIT = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name']);

/** Formats one pino JSON line as `12:00:01 INFO  block connected height=5 hash=00ab…`. */
export function prettyLine(json: string): string {
  try {
    const o = JSON.parse(json) as Record<string, unknown>;
    const time = new Date(Number(o.time)).toISOString().slice(11, 19);
    const level = (LEVELS[Number(o.level)] ?? String(o.level)).padEnd(5);
    const fields = Object.entries(o)
      .filter(([k]) => !OMIT.has(k))
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    return `${time} ${level} ${o.name ? `[${o.name}] ` : ''}${o.msg ?? ''}${fields ? ` ${fields}` : ''}\n`;
  } catch {
    return json;
  }
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
  readonly destination?: NodeJS.WritableStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const out = opts.destination ?? process.stdout;
  const pretty = opts.pretty ?? Boolean((out as NodeJS.WriteStream).isTTY);
  const base = {
    level: opts.level ?? process.env.CAIRN_LOG_LEVEL ?? 'info',
    name: opts.name,
    base: undefined,
  };
  if (!pretty) return pino(base, out);
  const stream = new Writable({
    write(chunk, _enc, done) {
      out.write(prettyLine(String(chunk)));
      done();
    },
  });
  return pino(base, stream);
}

/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
