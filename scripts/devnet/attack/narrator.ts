// What a scenario tells people: each step in plain language on the terminal, and the same step as an
// `attack` event on the supervisor's merged event stream (GET /devnet/events), for the dashboard to list.
// The schema is documented in docs/ATTACKS.md ("Events"); keep the two in step.
//
//   event: attack
//   data: {"scenario":"double-spend","run":"ds-1714…","seq":3,"at":1714…,"kind":"step",
//          "title":"The payment has 2 confirmations","text":"…","data":{…numbers…}}
//
// kind: "start" (once, first: what the scenario will do), "step" (something happened), "result" (once,
// last: the plain-language account, with `outcome` and the measured numbers in `data`).

export type AttackEventKind = 'start' | 'step' | 'result';

/** How a scenario ended, from the attacker's side. */
export type AttackOutcome = 'succeeded' | 'failed' | 'mixed' | 'measured';

export interface AttackEvent {
  readonly scenario: string;
  /** One id per run of the command: a dashboard groups the events of one run by it. */
  readonly run: string;
  /** 1, 2, 3 … within the run. */
  readonly seq: number;
  /** Unix milliseconds. */
  readonly at: number;
  readonly kind: AttackEventKind;
  /** One line. */
  readonly title: string;
  /** A few sentences for a person: what happened and why. */
  readonly text: string;
  /** Only on `result`. */
  readonly outcome?: AttackOutcome;
  /** Numbers and hashes behind the text (JSON: bigints as decimal strings). */
  readonly data?: Readonly<Record<string, unknown>>;
}

export interface NarratorSink {
  /** Puts an event on the merged stream. */
  publish(event: AttackEvent): void;
}

/** Turns bigints into decimal strings, so any data can be sent as JSON. */
export function jsonSafe(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
}

export class Narrator {
  readonly run: string;
  private seq = 0;
  readonly events: AttackEvent[] = [];
  private sink: NarratorSink | undefined;

  constructor(
    readonly scenario: string,
    private readonly write: (text: string) => void = (t) => process.stdout.write(t),
  ) {
    this.run = `${scenario}-${Date.now().toString(36)}`;
  }

  /**
   * Where events go besides the terminal: the scenario's devnet, once its supervisor listens. The events
   * of the run so far are sent to it first, so a dashboard that connected early sees the run from its start.
   */
  attach(sink: NarratorSink | undefined): void {
    this.sink = sink;
    for (const e of sink ? this.events : []) sink?.publish(e);
  }

  private emit(kind: AttackEventKind, title: string, text: string, extra: Partial<AttackEvent>): AttackEvent {
    const event: AttackEvent = {
      scenario: this.scenario,
      run: this.run,
      seq: ++this.seq,
      at: Date.now(),
      kind,
      title,
      text,
      ...extra,
      ...(extra.data ? { data: jsonSafe(extra.data) as Record<string, unknown> } : {}),
    };
    this.events.push(event);
    this.sink?.publish(event);
    return event;
  }

  start(title: string, text: string, data?: Record<string, unknown>): void {
    this.write(`\n== ${title}\n${indent(text)}\n`);
    this.emit('start', title, text, { data });
  }

  step(title: string, text = '', data?: Record<string, unknown>): void {
    this.write(`\n-> ${title}\n${text ? `${indent(text)}\n` : ''}`);
    this.emit('step', title, text, { data });
  }

  /** A line on the terminal only (progress a dashboard does not need). */
  note(line: string): void {
    this.write(`   ${line}\n`);
  }

  result(outcome: AttackOutcome, title: string, text: string, data?: Record<string, unknown>): AttackEvent {
    this.write(`\n== ${title}\n${indent(text)}\n`);
    return this.emit('result', title, text, { outcome, data });
  }
}

/** Wraps text at 100 columns and indents it by three spaces; blank lines and lines starting with a space stay. */
export function indent(text: string, width = 100): string {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    if (para.startsWith(' ') || para === '') {
      out.push(para === '' ? '' : `   ${para}`);
      continue;
    }
    let line = '';
    for (const word of para.split(/ +/)) {
      if (line && line.length + 1 + word.length > width - 3) {
        out.push(`   ${line}`);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(`   ${line}`);
  }
  return out.join('\n');
}
