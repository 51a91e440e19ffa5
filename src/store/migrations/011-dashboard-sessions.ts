// Strict mode's dashboard sessions (src/ui/sessions.ts) live in the store, so that every ddlocal process sharing a
// PostgreSQL database (or a restarted one) knows a browser that signed in through another. Only a hash of the
// session id is stored: the database never holds what the cookie holds.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('dashboard_sessions')
    .addColumn('session_hash', 'text', (c) => c.primaryKey())
    .addColumn('access_key_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('principal_arn', 'text', (c) => c.notNull())
    // Real (wall-clock) time in ms, not ddlocal's clock, which tests move by years.
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('dashboard_sessions_by_expiry').on('dashboard_sessions').columns(['expires_at', 'session_hash']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('dashboard_sessions').execute();
}
