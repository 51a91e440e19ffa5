// What can go wrong below the domain: the database engine or the connection to it, as opposed to a rule of the
// domain or a defect. The store turns the drivers' many ways of saying so (better-sqlite3's SQLITE_* codes, pg's
// SQLSTATEs, socket errors, and pg's "Connection terminated unexpectedly", which has no code at all) into one error
// with a reason, so the protocol layer can answer 503 with a sentence a person understands and the background
// workers can tell "wait and try again" from "this task is broken".

import { ServiceUnavailableError } from '../kernel/errors.js';

/** Why the store cannot serve a transaction right now. */
export type UnavailableReason =
  /** PostgreSQL is down, restarting, refusing connections, or dropped the connection mid-transaction. */
  | 'database-unreachable'
  /** The disk holding the database (SQLite file, WAL, or PostgreSQL's data directory) has no space left. */
  | 'storage-full'
  /** The disk or file refused a read or write (I/O error, read-only file or file system). */
  | 'storage-failure'
  /** Concurrent transactions kept conflicting for longer than the retry budget. */
  | 'contention';

export class StoreUnavailableError extends ServiceUnavailableError {
  constructor(
    readonly reason: UnavailableReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/** How a driver error should be handled by the store's transaction loop. */
export type DriverFailure =
  /** Transient concurrency conflict: the transaction did nothing and can run again. */
  | { kind: 'conflict'; sqlState: string }
  /** The database cannot be used right now for the given reason. */
  | { kind: 'unavailable'; reason: Exclude<UnavailableReason, 'contention'>; detail: string };

// PostgreSQL: 40001 serialization failure, 40P01 deadlock, 23505 unique violation (two transactions that both found
// "X does not exist" and inserted X: on retry the loser sees the winner's row and gives the proper AWS answer).
const PG_CONFLICTS = new Set(['40001', '40P01', '23505']);

// PostgreSQL SQLSTATEs that mean "the server is not there for you right now": class 08 (connection exception),
// 57P01–57P03 (terminated by an administrator or a crash, or not accepting connections while starting/stopping),
// 53300 (too many connections). 53100 (disk full) is storage, not reachability.
const PG_UNREACHABLE = /^(08...|57P0[123]|53300)$/;

// Socket-level failures while talking to PostgreSQL.
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

// pg reports a connection that ended under a query, or a pooled client that broke, by message only.
const PG_CONNECTION_MESSAGES = [
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'timeout exceeded when trying to connect',
  'Postgres connection has been discarded',
];

/** Classifies an error thrown while running a transaction; undefined for everything that is not the database's. */
export function classifyDriverError(engine: 'sqlite' | 'postgres', err: unknown): DriverFailure | undefined {
  if (err instanceof StoreUnavailableError || typeof err !== 'object' || err === null) return undefined;
  const { code, message } = err as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : '';
  if (engine === 'sqlite') {
    if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return undefined;
    if (code === 'SQLITE_FULL') return { kind: 'unavailable', reason: 'storage-full', detail: text || 'database or disk is full' };
    if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN')
      return { kind: 'unavailable', reason: 'storage-failure', detail: `${text} (${code})` };
    return undefined;
  }
  if (typeof code === 'string') {
    if (PG_CONFLICTS.has(code)) return { kind: 'conflict', sqlState: code };
    if (code === '53100') return { kind: 'unavailable', reason: 'storage-full', detail: text };
    if (PG_UNREACHABLE.test(code) || SOCKET_CODES.has(code)) return { kind: 'unavailable', reason: 'database-unreachable', detail: text || code };
  }
  if (PG_CONNECTION_MESSAGES.some((m) => text.startsWith(m))) return { kind: 'unavailable', reason: 'database-unreachable', detail: text };
  return undefined;
}

