// Progress for long `gatehouse audit` runs on stderr: a redrawn bar on a
// terminal, plain lines (every 10% or 5 s) when stderr is a file or a pipe,
// so CI logs stay readable.

export interface ProgressTerminal {
  isTty: boolean;
  /** Raw text to stderr, no newline added. */
  write(text: string): void;
}

export const processTerminal: ProgressTerminal = {
  get isTty() {
    return process.stderr.isTTY === true;
  },
  write: (text) => process.stderr.write(text),
};

export interface ProgressReporter {
  update(done: number, total: number): void;
  finish(): void;
}

const BAR_WIDTH = 30;
const REDRAW_MS = 100;
const PLAIN_EVERY_MS = 5_000;

export function createProgressReporter(terminal: ProgressTerminal, label: string, now: () => number = Date.now): ProgressReporter {
  const started = now();
  let lastDrawn = 0;
  let lastPercentStep = -1;
  let lastLine = started;
  let isDrawn = false;
  const rate = (done: number) => {
    const seconds = (now() - started) / 1000;
    return seconds > 0 ? Math.round(done / seconds) : 0;
  };
  return {
    update(done, total) {
      const fraction = total === 0 ? 1 : Math.min(1, done / total);
      const percent = Math.floor(fraction * 100);
      if (terminal.isTty) {
        if (now() - lastDrawn < REDRAW_MS && done < total) return;
        lastDrawn = now();
        const filled = Math.round(fraction * BAR_WIDTH);
        const bar = `${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? '>' : ''}${' '.repeat(BAR_WIDTH - filled)}`;
        terminal.write(`\r${label} [${bar}] ${String(percent).padStart(3)}% ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} records, ${rate(done).toLocaleString('en-US')}/s `);
        isDrawn = true;
        return;
      }
      const step = Math.floor(percent / 10);
      if (step === lastPercentStep && now() - lastLine < PLAIN_EVERY_MS) return;
      lastPercentStep = step;
      lastLine = now();
      terminal.write(`${label}: ${done}/${total} records (${percent}%)\n`);
    },
    finish() {
      if (terminal.isTty && isDrawn) terminal.write('\n');
    },
  };
}
