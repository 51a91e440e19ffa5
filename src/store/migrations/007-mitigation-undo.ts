// The undo extension (docs/decisions.md#m31): when an execution's changes were restored, so that a repeated undo
// answers ALREADY_UNDONE instead of judging the (restored) resource again.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('mitigation_executions').addColumn('undone_at', 'bigint').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('mitigation_executions').dropColumn('undone_at').execute();
}
