// Inserting many rows of one table at once (an audit's findings: 600,000 at a million devices).
// - PostgreSQL: one array parameter per column, unnested — INSERT INTO t (…) SELECT * FROM unnest($1::text[], …) —
//   so a statement of thousands of rows binds one parameter per column, and the server parses one short text instead
//   of a VALUES list with a placeholder per value (which, 500 rows at a time, cost 78 µs per finding; docs/benchmarks.md,
//   "Audit of 1,000,000 certificates").
// - SQLite: multi-row VALUES, within its limit on bound parameters; it runs in-process, so there is no round trip to save.
import { PostgresAdapter, sql, type Insertable } from 'kysely';
import type { Database } from './schema.js';
import type { Db } from './store.js';

/** The SQL type of each column, for PostgreSQL's array parameters. */
export type ColumnTypes<T extends keyof Database> = Record<keyof Database[T] & string, 'text' | 'bigint' | 'integer'>;

/** SQLite: rows per statement, keeping 15 columns under its 32,766 bound parameters. */
const SQLITE_ROWS = 500;
/** PostgreSQL: rows per statement; parameters do not grow with it, only the arrays. */
const POSTGRES_ROWS = 5000;

export async function insertRows<T extends keyof Database>(
  db: Db,
  table: T,
  types: ColumnTypes<T>,
  rows: readonly Insertable<Database[T]>[],
): Promise<void> {
  if (rows.length === 0) return;
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) {
    for (let i = 0; i < rows.length; i += SQLITE_ROWS)
      await db.insertInto(table).values(rows.slice(i, i + SQLITE_ROWS) as any).execute();
    return;
  }
  const columns = Object.keys(types) as (keyof Database[T] & string)[];
  for (let i = 0; i < rows.length; i += POSTGRES_ROWS) {
    const chunk = rows.slice(i, i + POSTGRES_ROWS) as Record<string, unknown>[];
    const arrays = columns.map((c) => sql`${chunk.map((row) => row[c] ?? null)}::${sql.raw(types[c])}[]`);
    await sql`insert into ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))})
      select * from unnest(${sql.join(arrays)})`.execute(db);
  }
}

/** How many rows a caller should gather before calling insertRows, for either database. */
export const INSERT_ROWS_BATCH = POSTGRES_ROWS;
