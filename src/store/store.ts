// One store interface for the domain, with SQLite (embedded, default) and PostgreSQL behind it. Every request runs
// in one transaction; on PostgreSQL transactions are SERIALIZABLE and retried on serialization conflicts, so state
// rules (version limits, group limits, idempotency) hold under concurrency on both engines.
//
// When the database itself fails — PostgreSQL restarting or unreachable, a full disk — a transaction ends with a
// StoreUnavailableError naming the cause (the protocol layer answers 503), after being retried for a while where
// running it again is safe: a failure before COMMIT was sent leaves nothing behind. A failure during COMMIT is not
// retried, because the change may have been saved.
import type { Logger } from 'pino';
import { Kysely, Migrator, sql, type Transaction } from 'kysely';
import type { Database } from './schema.js';
import { ACCOUNT_TABLES } from './schema.js';
import { MIGRATIONS } from './migrations/index.js';
import { classifyDriverError, StoreUnavailableError, type DriverFailure } from './errors.js';
import { StoreHealth } from './health.js';
import { openSqlite } from './sqlite.js';
import { describePostgres, openPostgres } from './postgres.js';

export type StoreKind = 'sqlite' | 'postgres';
export type Db = Kysely<Database> | Transaction<Database>;

export interface Store {
  readonly kind: StoreKind;
  /**
   * Runs fn in one transaction: everything it writes commits together or not at all. `readCommitted` (PostgreSQL
   * only) is for work that protects itself with row locks and compare-and-set updates, such as claiming queued work:
   * under SERIALIZABLE, concurrent claimers would abort each other for no benefit.
   *
   * fn may run more than once (after a conflict or a lost connection), so it must not act outside the database.
   * Fails with StoreUnavailableError when the database cannot serve it.
   */
  transaction<T>(fn: (tx: Transaction<Database>) => Promise<T>, options?: { readCommitted?: boolean }): Promise<T>;
  /** Transactions run again since the store opened, by cause (read by the metrics); absent in test doubles. */
  readonly retries?: { readonly conflict: number; readonly reconnect: number };
  /** Deletes all account data, or only one account's (optionally one region's). */
  reset(scope?: { accountId?: string; region?: string }): Promise<void>;
  /**
   * Before work that reads large tables (an audit, a mitigation task): brings the query planner's statistics up to date where a table
   * has grown a lot since they were gathered, and returns the tables it analysed. PostgreSQL only (SQLite's planner
   * needs none here); absent in test doubles.
   */
  refreshPlannerStatistics?(): Promise<string[]>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** SQLite file path, or ':memory:'. Ignored when databaseUrl is set. */
  dataFile?: string;
  /** postgres://… connection string. */
  databaseUrl?: string;
  /** Where outages of the database (and their end) are reported, once each. */
  logger?: Logger;
  /**
   * How long a transaction is retried after serialization conflicts or a lost connection before it fails with
   * StoreUnavailableError; default 10 s. Real time: ddlocal's own clock may be frozen or moved.
   */
  retryBudgetMs?: number;
}

const DEFAULT_RETRY_BUDGET_MS = 10_000;

/**
 * How long a transaction that lost its connection keeps trying to reconnect: long enough for a PostgreSQL restart or
 * a fail-over, short enough that a client hears 503 (and applies its own retry policy) while the database stays down.
 */
const RECONNECT_WINDOW_MS = 5_000;

/** Exponential backoff with full jitter, capped: under heavy contention fixed short waits keep colliding. */
const backoffMs = (attempt: number) => Math.random() * Math.min(2 ** attempt, 500);

/** The sentence a client reads in the 503; the log has the driver's own words. */
function clientMessage(failure: DriverFailure & { kind: 'unavailable' }, during: 'body' | 'commit'): string {
  const outcome =
    during === 'commit' ? ' The connection was lost while the change was being committed, so it may or may not have been saved.' : '';
  switch (failure.reason) {
    case 'storage-full':
      return 'ddlocal cannot save changes: the disk holding its database is full. Free some disk space and retry; reading works meanwhile.';
    case 'storage-failure':
      return `ddlocal cannot use its database file (${failure.detail}); retry later.${outcome}`;
    case 'database-unreachable':
      return `ddlocal cannot reach its PostgreSQL database right now (${failure.detail}); retry shortly.${outcome}`;
  }
}

class KyselyStore implements Store {
  private readonly retryBudgetMs: number;
  /** Transactions run again, by cause: a measure of contention and of connection trouble. */
  readonly retries = { conflict: 0, reconnect: 0 };

  constructor(
    readonly kind: StoreKind,
    private readonly db: Kysely<Database>,
    private readonly health: StoreHealth,
    private readonly logger: Logger | undefined,
    retryBudgetMs: number | undefined,
  ) {
    this.retryBudgetMs = retryBudgetMs ?? DEFAULT_RETRY_BUDGET_MS;
  }

  async transaction<T>(fn: (tx: Transaction<Database>) => Promise<T>, options: { readCommitted?: boolean } = {}): Promise<T> {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      let bodyDone = false;
      try {
        const result = await this.begin(options).execute(async (tx) => {
          const value = await fn(tx);
          bodyDone = true;
          return value;
        });
        this.health.succeeded();
        return result;
      } catch (err) {
        const failure = classifyDriverError(this.kind, err);
        if (!failure) throw err;
        const delay = backoffMs(attempt);
        const withinBudget = Date.now() - started + delay < this.retryBudgetMs;
        if (failure.kind === 'conflict') {
          if (withinBudget) {
            this.retries.conflict++;
            await sleep(delay);
            continue;
          }
          if (failure.sqlState === '23505') throw err; // a uniqueness rule the code failed to check: a defect
          const seconds = Math.round(this.retryBudgetMs / 1000);
          this.logger?.warn({ err, attempts: attempt }, `a transaction still conflicted with concurrent ones after ${seconds} s of retries`);
          throw new StoreUnavailableError(
            'contention',
            `ddlocal could not complete the request: concurrent requests kept changing the same data for ${seconds} s; retry`,
            { cause: err },
          );
        }
        this.health.failed(failure.reason, err);
        // Before COMMIT nothing was saved, so the whole transaction may run again once the database is back.
        const retryable = failure.reason === 'database-unreachable' && !bodyDone;
        if (retryable && withinBudget && Date.now() - started + delay < RECONNECT_WINDOW_MS) {
          this.retries.reconnect++;
          await sleep(Math.max(delay, 100));
          continue;
        }
        throw new StoreUnavailableError(failure.reason, clientMessage(failure, bodyDone ? 'commit' : 'body'), { cause: err });
      }
    }
  }

  private begin(options: { readCommitted?: boolean }) {
    if (this.kind === 'sqlite') return this.db.transaction();
    return this.db.transaction().setIsolationLevel(options.readCommitted ? 'read committed' : 'serializable');
  }

  async reset(scope: { accountId?: string; region?: string } = {}): Promise<void> {
    await this.transaction(async (tx) => {
      for (const table of ACCOUNT_TABLES) {
        let q = tx.deleteFrom(table);
        if (scope.accountId) q = q.where('account_id', '=', scope.accountId);
        if (scope.region) q = q.where('region', '=', scope.region);
        await q.execute();
      }
    });
  }

  /**
   * PostgreSQL gathers planner statistics by ANALYZE, which autovacuum runs only a minute or more after a table
   * changed; a bulk load followed at once by an audit was planned without any column statistics (28.5 s instead of
   * 8.5 s for 100,000 certificates, most of it one policy check's join). So ddlocal analyses, itself, every table of
   * its schema that has rows but was never analysed (pg_class.reltuples is -1), and every table over 1 MiB that is
   * more than twice as large as when it was last analysed. Both read the catalogue and the relation's current size,
   * exact and current: the activity counters of pg_stat_user_tables reach other sessions up to seconds late.
   * Concurrent processes doing this wait on each other's ANALYZE, harmlessly.
   */
  async refreshPlannerStatistics(): Promise<string[]> {
    if (this.kind !== 'postgres') return [];
    const { rows } = await sql<{ relname: string }>`
      select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind = 'r'
        and pg_relation_size(c.oid) > 0
        and (c.reltuples < 0 or pg_relation_size(c.oid) / 8192 > 2 * greatest(c.relpages, 0) + ${GROWN_TABLE_MIN_PAGES})
      order by c.relname`.execute(this.db);
    for (const { relname } of rows) await sql`analyze ${sql.table(relname)}`.execute(this.db);
    return rows.map((r) => r.relname);
  }

  async close(): Promise<void> {
    this.health.closing();
    await this.db.destroy();
  }

  /** Fails with the driver's own words (e.g. "connect ECONNREFUSED 127.0.0.1:5432") when the database is unreachable. */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async migrate(): Promise<void> {
    const migrator = new Migrator({
      db: this.db,
      provider: { getMigrations: async () => MIGRATIONS },
      migrationTableName: 'ddlocal_migrations',
      migrationLockTableName: 'ddlocal_migrations_lock',
    });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName;
      const which = failed ? `database migration ${failed}` : 'database migration';
      throw new Error(`${which} failed: ${(error as Error).message ?? error}`);
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** 1 MiB of 8 KiB pages: an analysed table that grows by less is still described well enough by its statistics. */
const GROWN_TABLE_MIN_PAGES = 128;

/** At most one "connection lost" line per this many milliseconds: a restart drops every pooled connection at once. */
const CONNECTION_LOST_LOG_INTERVAL_MS = 10_000;

function postgresStore(url: string, options: StoreOptions): KyselyStore {
  const describe = describePostgres(url);
  let lastLogged = 0;
  const db = openPostgres(url, (err) => {
    if (Date.now() - lastLogged < CONNECTION_LOST_LOG_INTERVAL_MS) return;
    lastLogged = Date.now();
    options.logger?.warn({ err }, `${describe} closed a connection; the next transaction opens a new one`);
  });
  return new KyselyStore('postgres', db, new StoreHealth({ logger: options.logger, describe }), options.logger, options.retryBudgetMs);
}

function sqliteStore(file: string, options: StoreOptions): KyselyStore {
  const { db, totalChanges } = openSqlite(file);
  const health = new StoreHealth({ logger: options.logger, describe: `the SQLite file ${file}`, changeCounter: totalChanges });
  return new KyselyStore('sqlite', db, health, options.logger, options.retryBudgetMs);
}

/** Opens the configured store and brings its schema to the latest migration. */
export async function openStore(options: StoreOptions): Promise<Store> {
  const store = options.databaseUrl
    ? postgresStore(options.databaseUrl, options)
    : sqliteStore(options.dataFile ?? './.ddlocal/ddlocal.db', options);
  try {
    await store.ping();
    await store.migrate();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
