// One store interface for the domain, with SQLite (embedded, default) and PostgreSQL behind it. Every request runs
// in one transaction; on PostgreSQL transactions are SERIALIZABLE and retried on serialization conflicts, so state
// rules (version limits, group limits, idempotency) hold under concurrency on both engines.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  sql,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type SqliteDialectConfig,
  type RootOperationNode,
  type Transaction,
  type UnknownRow,
} from 'kysely';
import type { Database } from './schema.js';
import { ACCOUNT_TABLES } from './schema.js';
import { MIGRATIONS } from './migrations/index.js';

export type StoreKind = 'sqlite' | 'postgres';
export type Db = Kysely<Database> | Transaction<Database>;

export interface Store {
  readonly kind: StoreKind;
  /**
   * Runs fn in one transaction: everything it writes commits together or not at all. `readCommitted` (PostgreSQL
   * only) is for work that protects itself with row locks and compare-and-set updates, such as claiming queued work:
   * under SERIALIZABLE, concurrent claimers would abort each other for no benefit.
   */
  transaction<T>(fn: (tx: Transaction<Database>) => Promise<T>, options?: { readCommitted?: boolean }): Promise<T>;
  /** Deletes all account data, or only one account's (optionally one region's). */
  reset(scope?: { accountId?: string; region?: string }): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** SQLite file path, or ':memory:'. Ignored when databaseUrl is set. */
  dataFile?: string;
  /** postgres://… connection string. */
  databaseUrl?: string;
}

// int8 (bigint) columns hold epoch milliseconds and counters, all far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

// 40001/40P01: serialization failure and deadlock. 23505 (unique violation): two transactions that both checked
// "does X exist?" and then inserted X — on retry the loser sees the winner's row and answers the proper AWS error.
const RETRYABLE_PG_CODES = new Set(['40001', '40P01', '23505']);
const MAX_PG_ATTEMPTS = 50;

class KyselyStore implements Store {
  constructor(
    readonly kind: StoreKind,
    private readonly db: Kysely<Database>,
  ) {}

  async transaction<T>(fn: (tx: Transaction<Database>) => Promise<T>, options: { readCommitted?: boolean } = {}): Promise<T> {
    if (this.kind === 'sqlite') return this.db.transaction().execute(fn);
    const isolation = options.readCommitted ? 'read committed' : 'serializable';
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction().setIsolationLevel(isolation).execute(fn);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (!code || !RETRYABLE_PG_CODES.has(code) || attempt >= MAX_PG_ATTEMPTS) throw err;
        // Exponential backoff with full jitter: under heavy contention fixed short waits keep colliding.
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(2 ** attempt, 500)));
      }
    }
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

  async close(): Promise<void> {
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

/**
 * better-sqlite3 runs every statement synchronously, so a long series of queries (an audit check, a mitigation task)
 * would keep the event loop — and every HTTP request — waiting until it ends. This plugin lets the loop turn at least
 * every few milliseconds between statements, so the server keeps answering (and shows tasks IN_PROGRESS) meanwhile.
 */
class YieldToEventLoop implements KyselyPlugin {
  private lastYield = performance.now();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (performance.now() - this.lastYield > 10) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.lastYield = performance.now();
    }
    return args.result;
  }
}

function openSqlite(file: string): Kysely<Database> {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const database = new SQLite(file);
  database.pragma('journal_mode = WAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  database.pragma('synchronous = NORMAL');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }), plugins: [new YieldToEventLoop()] });
}

/** Prepared statements kept per SQL text; the rest (long IN lists, one-off DDL) are evicted oldest first. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver prepares every statement anew, which was a quarter of a mitigation task's CPU time; ddlocal
 * runs the same few statements over and over with new parameters, so prepared statements are reused by SQL text.
 * Safe because Kysely runs one statement at a time on the connection and ddlocal never streams query results.
 */
function withStatementCache(database: SQLite.Database): SqliteDialectConfig['database'] {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare(text: string) {
      let statement = cache.get(text);
      if (statement) {
        cache.delete(text); // re-inserted below: most recently used last
      } else {
        statement = database.prepare(text);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      cache.set(text, statement);
      return statement;
    },
  };
}

function openPostgres(url: string): Kysely<Database> {
  // A database host that never answers must fail start-up in seconds, not hang it.
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 10_000 });
  // An idle client whose connection the server closed (restart, idle timeout) emits 'error' on the pool; unhandled,
  // that would end the process. The pool drops the client and the next query opens a new connection.
  pool.on('error', (err) => process.emitWarning(`PostgreSQL connection lost: ${err.message}`, 'DdlocalStoreWarning'));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** Opens the configured store and brings its schema to the latest migration. */
export async function openStore(options: StoreOptions): Promise<Store> {
  const store = options.databaseUrl
    ? new KyselyStore('postgres', openPostgres(options.databaseUrl))
    : new KyselyStore('sqlite', openSqlite(options.dataFile ?? './.ddlocal/ddlocal.db'));
  try {
    await store.ping();
    await store.migrate();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
