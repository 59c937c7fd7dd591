// How the demo's frames reach the terminal. On a terminal, each frame redraws the screen in place
// (cursor home, clear to end of line and of screen; no alternate screen, so the last frame and
// the summary stay in the scrollback after exit). Anywhere else (a pipe, a CI log) redrawing
// would make a mess, so only what changed is printed, one line at a time.

const ESC = '\x1b[';

export class LiveScreen {
  private readonly out: NodeJS.WriteStream | NodeJS.WritableStream;
  private readonly tty: boolean;
  private started = false;
  private printed = new Set<string>();

  constructor(out: NodeJS.WriteStream | NodeJS.WritableStream, tty: boolean) {
    this.out = out;
    this.tty = tty;
  }

  private get width(): number {
    return 'columns' in this.out && typeof this.out.columns === 'number' && this.out.columns > 20 ? this.out.columns : 160;
  }

  /** Shows a frame. Off a terminal, `changes` (lines that say what happened) are printed instead. */
  frame(lines: readonly string[], changes: readonly string[]): void {
    if (!this.tty) {
      for (const line of changes) {
        if (this.printed.has(line)) continue;
        this.printed.add(line);
        this.out.write(`${line}\n`);
      }
      return;
    }
    let text = this.started ? `${ESC}H` : `${ESC}?25l${ESC}H${ESC}2J`;
    this.started = true;
    // Lines longer than the terminal would wrap and push the frame down on every redraw.
    for (const line of lines) text += `${line.slice(0, this.width - 1)}${ESC}K\n`;
    this.out.write(`${text}${ESC}J`);
  }

  /** Plain lines below the last frame (the summary, instructions). */
  print(lines: readonly string[]): void {
    this.out.write(`${lines.join('\n')}\n`);
  }

  /** Gives the cursor back. */
  close(): void {
    if (this.tty && this.started) this.out.write(`${ESC}?25h`);
  }
}
