// One progress line on stderr for long work (mining, reindex, waiting for confirmations), shared by both
// CLIs. On a terminal it rewrites itself in place; in a log or a pipe it prints a line at most every
// `intervalMs`, so a script's log shows progress without a flood. stdout stays for results. It prints
// nothing when disabled (--json: the one document on stdout is all a command prints).
export class ProgressLine {
  private last = 0;
  private open = false;

  constructor(
    private readonly enabled: boolean,
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
    private readonly intervalMs = 1000,
  ) {}

  /** Shows `text()` if the last update is `intervalMs` old (or `force`); `text` is only built then. */
  update(text: () => string, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.last < this.intervalMs) return;
    this.last = now;
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[K${text()}`);
      this.open = true;
    } else {
      this.out.write(`${text()}\n`);
    }
  }

  /** The last line, always shown (when enabled), ending the in-place line. */
  done(text: string): void {
    if (!this.enabled) return;
    this.out.write(`${this.open ? '\r\x1b[K' : ''}${text}\n`);
    this.open = false;
  }
}
