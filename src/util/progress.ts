// Progress on stderr: a live line with rate and ETA on a terminal, a plain line every few
// percent otherwise (logs, CI). Never writes to stdout.

export interface ProgressSink {
  start(label: string, total: number): void;
  update(done: number): void;
  finish(): void;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export class StderrProgress implements ProgressSink {
  private label = '';
  private total = 0;
  private t0 = 0;
  private lastPct = -1;
  private lastDraw = 0;
  constructor(private readonly stream: NodeJS.WriteStream = process.stderr, private readonly everyPercent = 5) {}

  start(label: string, total: number): void {
    this.label = label;
    this.total = total;
    this.t0 = performance.now();
    this.lastPct = -1;
    this.lastDraw = 0;
  }

  update(done: number): void {
    const pct = this.total > 0 ? Math.floor((100 * done) / this.total) : 100;
    const elapsed = (performance.now() - this.t0) / 1000;
    const rate = done / Math.max(elapsed, 1e-9);
    const eta = (this.total - done) / rate;
    const line = `${this.label}: ${done}/${this.total} (${pct}%) ${rate.toFixed(1)}/s, elapsed ${formatSeconds(elapsed)}, ETA ${done > 0 ? formatSeconds(eta) : '?'}`;
    if (this.stream.isTTY) {
      const now = performance.now();
      if (now - this.lastDraw < 100 && done < this.total) return;
      this.lastDraw = now;
      this.stream.write(`\r\x1b[K${line}`);
    } else {
      const step = Math.floor(pct / this.everyPercent) * this.everyPercent;
      if (step > this.lastPct) {
        this.lastPct = step;
        this.stream.write(`${line}\n`);
      }
    }
  }

  finish(): void {
    if (this.stream.isTTY) this.stream.write('\n');
  }
}

/** Progress that prints nothing (library use, tests). */
export const silentProgress: ProgressSink = { start() {}, update() {}, finish() {} };
