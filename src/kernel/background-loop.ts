// The polling loop shared by ddlocal's background workers (the audit runner, the mitigation runner, the outbox
// deliverer): one pass at a time, a pass every `pollMs` when idle, a prompt pass when woken, pause for tests, and a
// stop that waits for the work in hand. A failing pass is logged and retried at the next poll, never a crash.
import type { Logger } from 'pino';
import { isServiceUnavailable } from './errors.js';

/** The longest wait between passes while they keep failing (the database is down, say). */
const MAX_BACKOFF_MS = 5_000;

/** A process-wide "there is new work" signal that request handlers raise and workers subscribe to. */
export function wakeSignal(): { subscribe(listener: () => void): () => void; raise(): void } {
  const listeners = new Set<() => void>();
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    raise() {
      for (const l of listeners) l();
    },
  };
}

export interface BackgroundLoopOptions {
  /** What a pass does; it should return early when `halted` becomes true. */
  pass: () => Promise<void>;
  logger: Logger;
  /** The log message of a pass that failed. */
  failureMessage: string;
  /** Idle interval between passes. */
  pollMs: number;
  /** Delay of the pass a wake() asks for (lets a burst of wakes share one pass). */
  wakeDelayMs: number;
  /** The signal whose raise() wakes this loop while it runs. */
  signal?: { subscribe(listener: () => void): () => void };
}

export class BackgroundLoop {
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> | undefined;
  /** Polling is on: between start() and stop(). */
  private running = false;
  /** stop() was called; a loop never started is not stopped, so runOnce() works on it (e.g. in tests). */
  private stopped = false;
  private paused = false;
  private unsubscribe: (() => void) | undefined;
  /** Passes that failed in a row: the next pass waits longer, so an outage is not hammered every poll. */
  private failures = 0;

  constructor(private readonly options: BackgroundLoopOptions) {}

  /** True once stop() or pause() was called: a pass in progress should return at the next safe point. */
  get halted(): boolean {
    return this.stopped || this.paused;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  start(): void {
    this.running = true;
    this.stopped = false;
    this.unsubscribe = this.options.signal?.subscribe(() => this.wake());
    this.schedule(0);
  }

  /** Stops polling and waits for the pass in progress to return. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    await this.busy;
  }

  /** Holds the work until resume(); used to observe and cancel work in progress. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wake();
  }

  wake(): void {
    this.schedule(this.options.wakeDelayMs);
  }

  /** Runs one pass now (after the one in progress, if any) and waits for it; its errors reach the caller. */
  async runOnce(): Promise<void> {
    while (this.busy) await this.busy;
    this.busy = this.options.pass().finally(() => (this.busy = undefined));
    await this.busy;
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (!this.running) return;
    if (!this.busy && !this.paused) {
      this.busy = this.options
        .pass()
        .then(
          () => {
            this.failures = 0;
          },
          (err) => {
            this.failures++;
            // An unavailable database is logged by the store, once per outage; the work resumes when it is back.
            if (isServiceUnavailable(err)) this.options.logger.debug({ err }, this.options.failureMessage);
            else this.options.logger.error({ err }, this.options.failureMessage);
          },
        )
        .finally(() => (this.busy = undefined));
      await this.busy;
    }
    const backoff = this.failures === 0 ? 0 : Math.min(this.options.pollMs * 2 ** this.failures, MAX_BACKOFF_MS);
    this.schedule(Math.max(this.options.pollMs, backoff));
  }
}
