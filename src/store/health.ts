// Outages of the database are logged once, when they start, with their real cause, and once when they end — not once
// per request: a full disk or a PostgreSQL restart under load would otherwise bury the cause under thousands of
// identical lines. Each request still gets its own 503 and its own request log line.
import type { Logger } from 'pino';
import type { UnavailableReason } from './errors.js';

/** Contention is not an outage: the database works, the request was unlucky (the store logs it as a warning). */
type OutageReason = Exclude<UnavailableReason, 'contention'>;

interface Outage {
  reason: OutageReason;
  since: number;
  failures: number;
  /** The change counter after the latest failure (SQLite: total changes), to tell a later write from a read. */
  mark: number;
}

export interface StoreHealthOptions {
  logger?: Logger;
  /** What the database is, for messages: "the SQLite file ./x.db", "PostgreSQL at host:5432/db". */
  describe: string;
  /**
   * A number that grows with every committed change, if the engine can tell; a full disk ends only when a write
   * succeeds again (reads keep working meanwhile, and must not end the outage).
   */
  changeCounter?: () => number;
}

const HEADLINE: Record<OutageReason, (what: string) => string> = {
  'storage-full': (what) => `${what} cannot be written: the disk is full. Changes answer 503 until space is freed; reads keep working`,
  'storage-failure': (what) => `${what} cannot be used: the disk or file refused an operation. Requests answer 503 until it works again`,
  'database-unreachable': (what) => `${what} is unreachable. Requests answer 503 and background work waits until it is back`,
};

export class StoreHealth {
  private outage: Outage | undefined;

  constructor(private readonly options: StoreHealthOptions) {}

  /** A transaction failed because the database is unavailable; logs only when an outage starts or changes cause. */
  failed(reason: OutageReason, cause: unknown): void {
    if (this.outage?.reason === reason) {
      this.outage.failures++;
      // SQLite counts the rows a failed transaction changed before its COMMIT failed: mark after each failure.
      this.outage.mark = this.options.changeCounter?.() ?? 0;
      return;
    }
    this.outage = { reason, since: Date.now(), failures: 1, mark: this.options.changeCounter?.() ?? 0 };
    this.options.logger?.error({ err: cause, storeOutage: reason }, HEADLINE[reason](this.options.describe));
  }

  /** A transaction committed; ends the outage unless it is a full disk and nothing was written. */
  succeeded(): void {
    const outage = this.outage;
    if (!outage) return;
    if (outage.reason === 'storage-full' && this.options.changeCounter && this.options.changeCounter() === outage.mark) return;
    this.outage = undefined;
    const seconds = Math.round((Date.now() - outage.since) / 100) / 10;
    this.options.logger?.info(
      { storeOutage: outage.reason, failedTransactions: outage.failures, seconds },
      `${this.options.describe} works again after ${seconds} s (${outage.failures} transaction${outage.failures === 1 ? '' : 's'} failed meanwhile)`,
    );
  }
}
