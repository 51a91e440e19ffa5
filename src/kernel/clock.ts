// ddlocal's clock (docs/decisions.md#a18). Every time-dependent rule reads it, so tests and demos can move time
// instead of waiting.
/** Durations in milliseconds, the unit of ddlocal's clock. */
export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export type ClockMode = 'system' | 'offset' | 'fixed';

export interface ClockState {
  now: string;
  mode: ClockMode;
  offsetSeconds: number;
}

export class Clock {
  private mode: ClockMode = 'system';
  private offsetMs = 0;
  private fixedMs = 0;

  constructor(private readonly systemNow: () => number = Date.now) {}

  /** Current time in epoch milliseconds. */
  now(): number {
    return this.mode === 'fixed' ? this.fixedMs : this.systemNow() + this.offsetMs;
  }

  date(): Date {
    return new Date(this.now());
  }

  advance(seconds: number): void {
    if (this.mode === 'fixed') this.fixedMs += seconds * 1000;
    else {
      this.mode = 'offset';
      this.offsetMs += seconds * 1000;
    }
  }

  set(epochMs: number): void {
    if (this.mode === 'fixed') this.fixedMs = epochMs;
    else {
      this.mode = 'offset';
      this.offsetMs = epochMs - this.systemNow();
    }
  }

  freeze(): void {
    this.fixedMs = this.now();
    this.offsetMs = this.fixedMs - this.systemNow();
    this.mode = 'fixed';
  }

  reset(): void {
    this.mode = 'system';
    this.offsetMs = 0;
  }

  state(): ClockState {
    const now = this.now();
    const offsetSeconds = Math.round((now - this.systemNow()) / 1000);
    return { now: new Date(now).toISOString(), mode: this.mode, offsetSeconds: this.mode === 'system' ? 0 : offsetSeconds };
  }
}
