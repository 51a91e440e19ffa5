// Tables for the audit inputs AWS collects internally and ddlocal takes through its ingest endpoints
// (docs/decisions.md#x3): lifecycle events, the IAM store (roles and identity pools) and role-alias service usage.
import type { Kysely } from 'kysely';
import { textType } from './dialect.js';

export async function up(db: Kysely<any>): Promise<void> {
  const T = textType(db);
  // The primary key is the duplicate rule (docs/decisions.md#x3): the same (session, type, timestamp) is stored once.
  await db.schema
    .createTable('lifecycle_events')
    .addColumn('account_id', T, (c) => c.notNull())
    .addColumn('region', T, (c) => c.notNull())
    .addColumn('session_id', T, (c) => c.notNull())
    .addColumn('event_type', T, (c) => c.notNull())
    .addColumn('event_time', 'bigint', (c) => c.notNull())
    .addColumn('client_id', T, (c) => c.notNull())
    .addColumn('principal_id', T, (c) => c.notNull())
    .addColumn('identity_pool_id', T)
    .addColumn('authenticated', 'integer')
    .addColumn('ip_address', T)
    .addColumn('disconnect_reason', T)
    .addColumn('client_initiated_disconnect', 'integer')
    .addPrimaryKeyConstraint('lifecycle_events_pk', ['account_id', 'region', 'session_id', 'event_type', 'event_time'])
    .execute();
  // The connection checks select the events of a time window.
  await db.schema
    .createIndex('lifecycle_events_by_time')
    .on('lifecycle_events')
    .columns(['account_id', 'region', 'event_type', 'event_time'])
    .execute();

  await db.schema
    .createTable('iam_roles')
    .addColumn('account_id', T, (c) => c.notNull())
    .addColumn('region', T, (c) => c.notNull())
    .addColumn('role_name', T, (c) => c.notNull())
    .addColumn('role_arn', T, (c) => c.notNull())
    .addColumn('policies', T, (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('iam_roles_pk', ['account_id', 'region', 'role_name'])
    .execute();
  // Checks look roles up by the ARN a role alias or identity pool names.
  await db.schema.createIndex('iam_roles_by_arn').on('iam_roles').columns(['account_id', 'region', 'role_arn']).execute();

  await db.schema
    .createTable('iam_identity_pools')
    .addColumn('account_id', T, (c) => c.notNull())
    .addColumn('region', T, (c) => c.notNull())
    .addColumn('identity_pool_id', T, (c) => c.notNull())
    .addColumn('authenticated_role_arn', T)
    .addColumn('unauthenticated_role_arn', T)
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('iam_identity_pools_pk', ['account_id', 'region', 'identity_pool_id'])
    .execute();

  await db.schema
    .createTable('role_alias_usage')
    .addColumn('account_id', T, (c) => c.notNull())
    .addColumn('region', T, (c) => c.notNull())
    .addColumn('role_alias', T, (c) => c.notNull())
    .addColumn('service', T, (c) => c.notNull())
    .addColumn('used_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('role_alias_usage_pk', ['account_id', 'region', 'role_alias', 'service', 'used_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['role_alias_usage', 'iam_identity_pools', 'iam_roles', 'lifecycle_events'])
    await db.schema.dropTable(table).ifExists().execute();
}
