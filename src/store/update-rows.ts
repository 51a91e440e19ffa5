// One UPDATE statement that gives many rows of an account table each their own new values:
//   WITH v(key…, column…) AS (VALUES (…), (…)) UPDATE t SET column = v.column … FROM v WHERE t.key = v.key …
// Batched work (the mitigation engine) writes hundreds of rows per transaction; one statement instead of one per row
// is what makes PostgreSQL's round trips stop dominating. Both databases accept this form (SQLite since 3.33).
//
// VALUES parameters reach PostgreSQL untyped and become text, so numeric columns are cast back on use; SQLite's
// CAST to bigint/integer gives INTEGER affinity and keeps NULL, so one statement text serves both.
import { sql, type RawBuilder } from 'kysely';
import type { AccountTable } from './scoped.js';
import type { Database } from './schema.js';
import type { Db } from './store.js';

/** A column's SQL type where the VALUES text must be cast back: numbers (text columns need no cast). */
export type ColumnCast = 'bigint' | 'integer';

/** Rows per statement: well under SQLite's and PostgreSQL's bound-parameter limits for a dozen columns. */
const ROWS_PER_STATEMENT = 1000;

export interface UpdateRowsSpec<T extends AccountTable> {
  table: T;
  accountId: string;
  region: string;
  /** Columns that, with account and region, identify a row: each row's values for them select the row to change. */
  keys: readonly (keyof Database[T] & string)[];
  /** Columns each row sets. */
  columns: readonly (keyof Database[T] & string)[];
  /** Numeric key or value columns, cast back from VALUES' text on PostgreSQL. */
  casts?: Partial<Record<keyof Database[T] & string, ColumnCast>>;
}

/** Sets each row's `columns` to its own values; rows are matched on account, region and `keys`. */
export async function updateRows<T extends AccountTable>(
  db: Db,
  spec: UpdateRowsSpec<T>,
  rows: readonly Partial<Record<keyof Database[T] & string, unknown>>[],
): Promise<void> {
  const names = [...spec.keys, ...spec.columns];
  const valueOf = (name: string): RawBuilder<unknown> => {
    const cast = spec.casts?.[name as keyof Database[T] & string];
    return cast ? sql`cast(v.${sql.ref(name)} as ${sql.raw(cast)})` : sql`v.${sql.ref(name)}`;
  };
  const target = sql.table(spec.table);
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
    const values = sql.join(chunk.map((row) => sql`(${sql.join(names.map((n) => sql`${(row as Record<string, unknown>)[n] ?? null}`))})`));
    const sets = sql.join(spec.columns.map((c) => sql`${sql.ref(c)} = ${valueOf(c)}`));
    // Each key also as an IN list of its values, which PostgreSQL turns into an index condition: from the join with
    // VALUES alone it read every row of the task's index range (500 executions of a 100,000-finding task: 42 ms; with
    // the list and planner statistics, 9 ms).
    const matches = sql.join(
      spec.keys.flatMap((k) => {
        const values = [...new Set(chunk.map((row) => (row as Record<string, unknown>)[k]))];
        return [sql`${target}.${sql.ref(k)} = ${valueOf(k)}`, sql`${target}.${sql.ref(k)} in (${sql.join(values.map((v) => sql`${v}`))})`];
      }),
      sql` and `,
    );
    await sql`with v(${sql.join(names.map((n) => sql.ref(n)))}) as (values ${values})
      update ${target} set ${sets} from v
      where ${target}.account_id = ${spec.accountId} and ${target}.region = ${spec.region} and ${matches}`.execute(db);
  }
}
