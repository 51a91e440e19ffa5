// The progress display of `--wait` (docs/decisions.md#c16, docs/cli-extras.md), shared by every task kind: a bar with
// rate and ETA redrawn in place on a terminal, otherwise one plain line (no escape codes) each time the task's state
// changes. The rate is measured from the progress observed between polls, so the first poll has none ("ETA –").
import type { CliIo } from '../iot.js';

const BAR_WIDTH = 24;

export interface ProgressSnapshot {
  status: string;
  done: number;
  total: number;
  /** What is counted, plural: "findings", "checks". */
  unit: string;
  /** The per-item state in words (per check), after the counts on a plain line. */
  detail: string;
}

/** Items per second over the progress seen since the first poll; undefined until something has finished. */
export class RateMeter {
  private first?: { at: number; done: number };
  constructor(private readonly now: () => number = Date.now) {}

  observe(done: number): { rate?: number } {
    const at = this.now();
    this.first ??= { at, done };
    const seconds = (at - this.first.at) / 1000;
    const gained = done - this.first.done;
    return gained > 0 && seconds > 0 ? { rate: gained / seconds } : {};
  }
}

export function formatRate(rate: number | undefined, unit: string): string {
  if (rate === undefined) return `– ${unit}/s`;
  return `${rate >= 10 ? rate.toFixed(0) : rate.toFixed(1)} ${unit}/s`;
}

/** `ETA 42s`, `ETA 3m05s`, `ETA 2h10m`; `ETA –` without a rate. */
export function formatEta(remaining: number, rate: number | undefined): string {
  if (remaining <= 0) return 'ETA 0s';
  if (rate === undefined || !(rate > 0)) return 'ETA –';
  const seconds = Math.ceil(remaining / rate);
  if (seconds < 60) return `ETA ${seconds}s`;
  if (seconds < 3600) return `ETA ${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `ETA ${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

function bar(done: number, total: number): string {
  const fraction = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(fraction * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%`;
}

/** Draws the snapshots of one task on stderr (stdout carries only the final description, as without --wait). */
export class ProgressDisplay {
  private lastLine = '';
  private readonly meter: RateMeter;

  constructor(
    private readonly io: Pick<CliIo, 'isTty' | 'stderr'>,
    private readonly taskId: string,
    now: () => number = Date.now,
  ) {
    this.meter = new RateMeter(now);
  }

  show(snapshot: ProgressSnapshot): void {
    const { rate } = this.meter.observe(snapshot.done);
    const speed = `${formatRate(rate, snapshot.unit)}, ${formatEta(snapshot.total - snapshot.done, rate)}`;
    if (this.io.isTty) {
      this.io.stderr(`\r\x1b[2K${bar(snapshot.done, snapshot.total)} ${snapshot.status} ${snapshot.done}/${snapshot.total} ${snapshot.unit} ${speed}`);
      return;
    }
    // A plain line is printed when the task's state changes; the rate alone changing is not news.
    const state = `${snapshot.status} ${snapshot.done}/${snapshot.total} ${snapshot.unit}: ${snapshot.detail}`;
    if (state !== this.lastLine) this.io.stderr(`${this.taskId} ${snapshot.status} ${snapshot.done}/${snapshot.total} ${snapshot.unit} (${speed}): ${snapshot.detail}\n`);
    this.lastLine = state;
  }

  /** Ends the bar's line and lists the final per-check state under it (a terminal only; the plain lines have it). */
  finish(lines: string[]): void {
    if (this.io.isTty) this.io.stderr(`\n${lines.map((line) => `  ${line}`).join('\n')}\n`);
  }
}
