// Outages of the database are logged once, when they start, with their real cause, and once when they end — not once
// per request: a full disk or a PostgreSQL restart under load would otherwise bury the cause under thousands of
// identical lines. Each request still gets its own 503 and its own request log line.
//
// An outage ends only after the database has worked for a quiet period. Right after a PostgreSQL restart, say, the
// pool still holds connections that died with the old server: the next few transactions fail one by one between
// successes on new connections. Those belong to the same outage and must not log it again.
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
  /** Set while the database works again: the outage ends when this timer fires without a failure meanwhile. */
  ending?: NodeJS.Timeout;
}

/** How long the database must keep working before an outage counts as over. */
const QUIET_MS = 2_000;

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
      clearTimeout(this.outage.ending);
      this.outage.ending = undefined;
      this.outage.failures++;
      // SQLite counts the rows a failed transaction changed before its COMMIT failed: mark after each failure.
      this.outage.mark = this.options.changeCounter?.() ?? 0;
      return;
    }
    if (this.outage) this.end();
    this.outage = { reason, since: Date.now(), failures: 1, mark: this.options.changeCounter?.() ?? 0 };
    this.options.logger?.error({ err: cause, storeOutage: reason }, HEADLINE[reason](this.options.describe));
  }

  /** A transaction committed; starts the quiet period, unless it is a full disk and nothing was written. */
  succeeded(): void {
    const outage = this.outage;
    if (!outage || outage.ending) return;
    if (outage.reason === 'storage-full' && this.options.changeCounter && this.options.changeCounter() === outage.mark) return;
    outage.ending = setTimeout(() => this.end(), QUIET_MS);
    outage.ending.unref();
  }

  /** The store is closing: an outage already in its quiet period is over now, one still failing is not. */
  closing(): void {
    if (this.outage?.ending) this.end();
  }

  private end(): void {
    const outage = this.outage;
    if (!outage) return;
    clearTimeout(outage.ending);
    this.outage = undefined;
    const seconds = Math.round((Date.now() - outage.since) / 100) / 10;
    this.options.logger?.info(
      { storeOutage: outage.reason, failedTransactions: outage.failures, seconds },
      `${this.options.describe} works again after ${seconds} s (${outage.failures} transaction${outage.failures === 1 ? '' : 's'} failed meanwhile)`,
    );
  }
}
