// Every account table carries (account_id, region), and every query of a feature must stay inside the caller's
// account and region: nothing is visible across accounts. This is the one place that adds those two conditions, so
// a query cannot forget one: `scoped(ctx).selectFrom('things')…` instead of repeating the WHERE clauses.
// (Joins and aliased tables, a handful of queries, still state the conditions on each table themselves.)
import type { DeleteQueryBuilder, DeleteResult, SelectQueryBuilder, UpdateQueryBuilder, UpdateResult } from 'kysely';
import type { AccountScope } from '../kernel/scope.js';
import type { Database } from './schema.js';
import type { Db } from './store.js';

/** The tables whose rows belong to one account and region. */
export type AccountTable = {
  [T in keyof Database]: Database[T] extends { account_id: string; region: string } ? T : never;
}[keyof Database];

export interface ScopedQueries {
  selectFrom<T extends AccountTable>(table: T): SelectQueryBuilder<Database, T, object>;
  updateTable<T extends AccountTable>(table: T): UpdateQueryBuilder<Database, T, T, UpdateResult>;
  deleteFrom<T extends AccountTable>(table: T): DeleteQueryBuilder<Database, T, DeleteResult>;
}

/** Queries of `db` restricted to the scope's account and region. */
export function scoped(ctx: AccountScope & { db: Db }): ScopedQueries {
  const { db, accountId, region } = ctx;
  // Kysely cannot type a column reference on a table chosen by a type parameter; AccountTable guarantees both columns.
  const inScope = <Q>(q: Q): Q => (q as any).where('account_id', '=', accountId).where('region', '=', region);
  return {
    selectFrom: (table) => inScope(db.selectFrom(table) as any),
    updateTable: (table) => inScope(db.updateTable(table) as any),
    deleteFrom: (table) => inScope(db.deleteFrom(table) as any),
  };
}
