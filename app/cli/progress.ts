// A terminal progress bar for multi-item commands: done/total, rate and ETA on stderr.
// On a terminal it redraws one line; otherwise it prints a line at each quarter.

export interface Progress {
  tick(current?: string): void;
  done(): void;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

export function progressBar(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  const started = performance.now();
  const interactive = Boolean(stream.isTTY);
  let done = 0;
  let nextQuarter = 0.25;

  const line = (current?: string) => {
    const elapsed = (performance.now() - started) / 1000;
    const rate = done / Math.max(elapsed, 1e-9);
    const eta = (total - done) / Math.max(rate, 1e-9);
    const width = 24;
    const filled = Math.round((done / total) * width);
    const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
    const pct = Math.floor((done / total) * 100);
    const tail = current ? ` ${current}` : '';
    return `${label} [${bar}] ${done}/${total} ${pct}% ${rate.toFixed(1)}/s ETA ${formatSeconds(eta)}${tail}`;
  };

  return {
    tick(current) {
      done = Math.min(total, done + 1);
      if (interactive) stream.write(`\r${line(current)}\u001b[K`);
      else if (done / total >= nextQuarter || done === total) {
        stream.write(`${line(current)}\n`);
        while (nextQuarter <= done / total) nextQuarter += 0.25;
      }
    },
    done() {
      if (interactive) stream.write('\n');
    },
  };
}
