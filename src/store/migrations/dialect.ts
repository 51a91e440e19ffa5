// Dialect differences the migrations have to care about.
import { sql, PostgresAdapter, type Kysely, type RawBuilder } from 'kysely';

export type TextType = RawBuilder<unknown>;

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * Text columns compare in code-point order on both engines (docs/decisions.md#r14 orders lists by name in
 * code-point order):
 * SQLite's default BINARY collation already does for UTF-8; PostgreSQL needs the "C" collation, whatever the
 * database's locale.
 */
export function textType(db: Kysely<any>): TextType {
  return isPostgres(db) ? sql`text collate "C"` : sql`text`;
}
