// The PostgreSQL store's connection pool. PostgreSQL may restart, fail over or terminate backends while ddlocal
// runs; none of that may end the ddlocal process. pg reports a connection that dies as an 'error' event on its
// client — on the pool while the client is idle, on the client itself while a request holds it — and an 'error'
// event nobody listens to ends a Node.js process. So every client gets a listener for its whole life: the queries
// it was running fail (and the store answers 503 or retries), the pool drops the broken client, and the next
// transaction opens a fresh connection as soon as the server accepts one.
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Database } from './schema.js';
import { withSafeRollback } from './safe-rollback.js';

// int8 (bigint) columns hold epoch milliseconds and counters, all far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

/** Where the database is, for messages: host, port and database name, never the password. */
export function describePostgres(url: string): string {
  try {
    const u = new URL(url);
    return `PostgreSQL at ${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return 'PostgreSQL';
  }
}

export function openPostgres(url: string, onConnectionError: (err: Error) => void): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // A database host that never answers must fail a connection attempt in seconds, not hang it.
    connectionTimeoutMillis: 10_000,
    // A peer that vanished without closing the socket (host down, network cut) is noticed instead of waited on.
    keepAlive: true,
  });
  pool.on('connect', (client) => client.on('error', onConnectionError));
  pool.on('error', onConnectionError);
  return new Kysely<Database>({ dialect: withSafeRollback(new PostgresDialect({ pool })) });
}
