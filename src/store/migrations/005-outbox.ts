// The outbox (docs/decisions.md#m28): messages for systems outside the database (SNS) are written in the transaction
// that decides to send them and delivered afterwards, at least once, by the outbox deliverer (src/outbox/).
import type { Kysely } from 'kysely';
import { textType } from './dialect.js';

export async function up(db: Kysely<any>): Promise<void> {
  const T = textType(db);
  await db.schema
    .createTable('outbox')
    .addColumn('account_id', T, (c) => c.notNull())
    .addColumn('region', T, (c) => c.notNull())
    .addColumn('message_id', T, (c) => c.notNull().primaryKey())
    // What asked for the message, and the reference its outcome is reported back to (e.g. a mitigation execution).
    .addColumn('origin', T, (c) => c.notNull())
    .addColumn('origin_ref', T, (c) => c.notNull()) // JSON
    .addColumn('topic_arn', T, (c) => c.notNull())
    .addColumn('subject', T, (c) => c.notNull())
    .addColumn('body', T, (c) => c.notNull())
    .addColumn('deduplication_id', T, (c) => c.notNull())
    .addColumn('status', T, (c) => c.notNull()) // PENDING | DELIVERED | FAILED
    .addColumn('attempts', 'integer', (c) => c.notNull())
    // Wall-clock epoch ms (not ddlocal's clock: retries and deadlines are about the real network).
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('enqueued_at', 'bigint', (c) => c.notNull()) // the delivery deadline counts from here
    .addColumn('created_at', 'bigint', (c) => c.notNull()) // ddlocal's clock, for display
    .addColumn('delivered_at', 'bigint')
    .addColumn('sns_message_id', T)
    .addColumn('error_code', T)
    .addColumn('last_error', T)
    .execute();
  await db.schema.createIndex('outbox_due').on('outbox').columns(['status', 'next_attempt_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('outbox').execute();
}
