// The embedded SQLite store: one better-sqlite3 connection that the ddlocal process owns alone.
//
// One process per file, enforced. Two ddlocal processes on one file would have to share SQLite's single write lock
// across processes: better-sqlite3 waits for a busy lock by blocking the whole event loop, and a ddlocal transaction
// may span several event-loop turns (long audits yield between statements), so the other process would freeze or
// answer SQLITE_BUSY 500s. Instead the file is opened in EXCLUSIVE locking mode and written once at start: the
// operating system's lock is then held until the process closes the file or dies (kill -9 included), and a second
// `ddlocal serve` on the same file stops at start with a message that points to PostgreSQL, which is built for
// several processes.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  Kysely,
  SqliteDialect,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type SqliteDialectConfig,
  type UnknownRow,
} from 'kysely';
import type { Database } from './schema.js';
import { withSafeRollback } from './safe-rollback.js';
import { nextTurn, sliceOver } from '../kernel/event-loop-turns.js';

export interface OpenedSqlite {
  db: Kysely<Database>;
  /** Rows changed since the file was opened (SQLite's total_changes()): tells a committed write from a read. */
  totalChanges(): number;
}

/** Thrown when another process holds the file; its message is meant for the person who started ddlocal. */
export class DataFileInUseError extends Error {}

/** Written next to the database while a process owns it, so the next one can say who holds the file. */
const ownerFile = (file: string) => `${file}.owner`;

function describeOwner(file: string): string {
  try {
    const owner = JSON.parse(readFileSync(ownerFile(file), 'utf8')) as { pid?: number; host?: string; since?: string };
    if (typeof owner.pid === 'number') return ` (process ${owner.pid} on ${owner.host ?? 'this machine'}, since ${owner.since ?? 'an unknown time'})`;
  } catch {
    // No owner file (an older ddlocal, or another program): the message goes without the detail.
  }
  return '';
}

function inUse(file: string): DataFileInUseError {
  return new DataFileInUseError(
    `the SQLite file ${file} is already in use by another process${describeOwner(file)}. ` +
      'One SQLite file serves one ddlocal process: stop the other one, give this one its own --data file, ' +
      'or run several processes on one PostgreSQL database with --database-url',
  );
}

export function openSqlite(file: string): OpenedSqlite {
  const onDisk = file !== ':memory:';
  if (onDisk) mkdirSync(dirname(file), { recursive: true });
  // timeout 0: a file held by another process must fail at once, not after a busy wait that blocks the event loop.
  const database = new SQLite(file, { timeout: 0 });
  try {
    database.pragma('locking_mode = EXCLUSIVE');
    database.pragma('journal_mode = WAL');
    database.pragma('foreign_keys = ON');
    database.pragma('synchronous = NORMAL');
    // SQLite's default page cache is 2 MiB; a fleet's tables are hundreds. With 64 MiB the pages a mitigation batch
    // or an audit check revisits stay in the process instead of being read from the OS again: 100,000 executions went
    // from 3,300 to 5,200 per second, StartAuditMitigationActionsTask from 4.8 to 2.3 s (docs/benchmarks.md).
    database.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
    // The first write takes the exclusive lock, which EXCLUSIVE mode keeps until close.
    database.exec('BEGIN IMMEDIATE; COMMIT');
  } catch (err) {
    database.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY' || (err as { code?: string }).code === 'SQLITE_LOCKED') throw inUse(file);
    throw err;
  }
  if (onDisk) {
    try {
      writeFileSync(ownerFile(file), JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }) + '\n');
    } catch {
      // Only informational (a read-only directory would already have failed above).
    }
  }
  const totalChanges = database.prepare('SELECT total_changes() AS n').pluck();
  const config: SqliteDialectConfig = {
    database: withStatementCache(database, () => {
      if (onDisk && existsSync(ownerFile(file))) rmSync(ownerFile(file), { force: true });
    }),
  };
  const db = new Kysely<Database>({ dialect: withSafeRollback(new SqliteDialect(config), () => database.inTransaction), plugins: [new WithoutRowLocks(), new YieldToEventLoop()] });
  return { db, totalChanges: () => totalChanges.get() as number };
}

/**
 * better-sqlite3 runs every statement synchronously, so a long series of queries (an audit check, a mitigation task)
 * would keep the event loop — and every HTTP request — waiting until it ends. This plugin lets the loop turn at least
 * every few milliseconds between statements, so the server keeps answering (and shows tasks IN_PROGRESS) meanwhile.
 */
class YieldToEventLoop implements KyselyPlugin {
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (sliceOver()) await nextTurn();
    return args.result;
  }
}

const ROW_LOCKS = new Set(['ForUpdate', 'ForNoKeyUpdate', 'ForShare', 'ForKeyShare', 'NoWait', 'SkipLocked']);

/**
 * Row locks (`FOR UPDATE SKIP LOCKED`, `FOR SHARE`) are how code that runs at READ COMMITTED on PostgreSQL keeps its
 * rules; SQLite has no such syntax and needs none, because one connection runs one transaction at a time. Dropping
 * them here lets that code be written once for both engines.
 */
class WithoutRowLocks implements KyselyPlugin {
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = args.node;
    if (node.kind !== 'SelectQueryNode' || !node.endModifiers?.some((m) => m.modifier && ROW_LOCKS.has(m.modifier))) return node;
    return { ...node, endModifiers: node.endModifiers.filter((m) => !(m.modifier && ROW_LOCKS.has(m.modifier))) };
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/** SQLite's page cache, in KiB (the pragma takes a negative number for KiB). */
const PAGE_CACHE_KIB = 64 * 1024;

/** Prepared statements kept per SQL text; the rest (long IN lists, one-off DDL) are evicted oldest first. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver prepares every statement anew, which was a quarter of a mitigation task's CPU time; ddlocal
 * runs the same few statements over and over with new parameters, so prepared statements are reused by SQL text.
 * Safe because Kysely runs one statement at a time on the connection and ddlocal never streams query results.
 */
function withStatementCache(database: SQLite.Database, onClose: () => void): SqliteDialectConfig['database'] {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => {
      database.close();
      onClose();
    },
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
