// Background work that reads large tables (an audit's checks, a mitigation task's batches) first asks the store to
// bring PostgreSQL's planner statistics up to date: right after a bulk load (ddlocal import, a restore, a
// StartAuditMitigationActionsTask of 100,000 findings) they describe nearly empty tables until autovacuum gets to
// them, and the planner then scans whole tables where an index would read a few rows. A failure here costs only
// speed, so it is logged and the work goes on.
import type { Logger } from 'pino';
import type { Store } from './store.js';

/** A refresh that took this long is worth an operator's attention (info); shorter ones are logged at debug. */
const SLOW_STATISTICS_REFRESH_MS = 1000;

/**
 * Refreshes the planner statistics before `work` (e.g. "audit task 1a2b…") and logs what it analysed as `event`,
 * with `fields` (the task id).
 */
export async function refreshPlannerStatisticsBefore(
  store: Store,
  logger: Logger,
  work: string,
  event: string,
  fields: Record<string, unknown>,
): Promise<void> {
  try {
    const started = Date.now();
    const analysed = (await store.refreshPlannerStatistics?.()) ?? [];
    const ms = Date.now() - started;
    // A fresh database's first task analyses a few small tables in milliseconds: not worth an info line.
    const level = ms >= SLOW_STATISTICS_REFRESH_MS ? 'info' : 'debug';
    if (analysed.length > 0)
      logger[level](
        { event, ...fields, tables: analysed, ms },
        `analysed ${analysed.length} table${analysed.length === 1 ? '' : 's'} without current planner statistics before ${work} (${ms} ms)`,
      );
  } catch (err) {
    logger.warn({ err, ...fields }, `could not refresh the planner statistics before ${work}; it runs without`);
  }
}
