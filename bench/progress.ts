/**
 * The progress bar of `npm run bench`: one stderr line, redrawn in place with \r. Messages
 * (`note`) clear it, print on a line of their own and redraw it.
 */
export class Progress {
  private line = '';
  private readonly started = Date.now();
  private readonly tty = process.stderr.isTTY;
  private lastDraw = 0;

  /** `label`: what runs now; `done`/`total`: how far it is (a bar when total > 0). */
  update(label: string, done = 0, total = 0): void {
    const width = 24;
    const filled = total > 0 ? Math.round((Math.min(done, total) / total) * width) : 0;
    const bar =
      total > 0 ? ` [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}` : '';
    const elapsed = Math.round((Date.now() - this.started) / 1000);
    const text = `bench ${String(Math.floor(elapsed / 60)).padStart(2, '0')}:${String(elapsed % 60).padStart(2, '0')} ${label}${bar}`;
    // Without a terminal (CI, a pipe) the bar is drawn at most every 5 s, as plain lines.
    if (!this.tty) {
      if (Date.now() - this.lastDraw < 5_000 && text.split(' ')[2] === this.line.split(' ')[2])
        return;
      this.lastDraw = Date.now();
      this.line = text;
      process.stderr.write(`${text}\n`);
      return;
    }
    const columns = process.stderr.columns ?? 120;
    const shown = text.length >= columns ? text.slice(0, columns - 1) : text;
    process.stderr.write(`\r${shown.padEnd(Math.max(this.line.length, shown.length))}`);
    this.line = shown;
  }

  note(message: string): void {
    if (this.tty && this.line !== '') process.stderr.write(`\r${' '.repeat(this.line.length)}\r`);
    process.stderr.write(`${message}\n`);
    if (this.tty && this.line !== '') process.stderr.write(this.line);
  }

  done(): void {
    if (this.tty && this.line !== '') process.stderr.write('\n');
    this.line = '';
  }
}
