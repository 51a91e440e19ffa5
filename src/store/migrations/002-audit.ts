// Audit engine tables: account audit configuration, audit tasks and their per-check state,
// findings, suppressions and scheduled audits.
import type { Kysely, CreateTableBuilder } from 'kysely';
import { textType, type TextType } from './dialect.js';

type Table = CreateTableBuilder<string, string>;

let T: TextType;

const scoped = (t: Table) =>
  t.addColumn('account_id', T, (c) => c.notNull()).addColumn('region', T, (c) => c.notNull());

export async function up(db: Kysely<any>): Promise<void> {
  T = textType(db);
  await scoped(db.schema.createTable('audit_configurations'))
    .addColumn('role_arn', T)
    .addColumn('notification_targets', T, (c) => c.notNull()) // JSON {SNS: {targetArn, roleArn, enabled}}
    .addColumn('check_configurations', T, (c) => c.notNull()) // JSON {canonical name: {enabled, configuration?}}
    .addPrimaryKeyConstraint('audit_configurations_pk', ['account_id', 'region'])
    .execute();

  await scoped(db.schema.createTable('audit_tasks'))
    .addColumn('task_id', T, (c) => c.notNull())
    .addColumn('task_type', T, (c) => c.notNull())
    .addColumn('task_status', T, (c) => c.notNull())
    .addColumn('task_start_time', 'bigint', (c) => c.notNull())
    .addColumn('scheduled_audit_name', T)
    .addColumn('check_configurations', T, (c) => c.notNull()) // JSON snapshot {canonical name: configuration map}
    .addPrimaryKeyConstraint('audit_tasks_pk', ['account_id', 'region', 'task_id'])
    .execute();
  await db.schema
    .createIndex('audit_tasks_by_start')
    .on('audit_tasks')
    .columns(['account_id', 'region', 'task_start_time', 'task_id'])
    .execute();
  // The runner looks for unfinished tasks across all accounts.
  await db.schema.createIndex('audit_tasks_by_status').on('audit_tasks').columns(['task_status']).execute();

  await scoped(db.schema.createTable('audit_task_checks'))
    .addColumn('task_id', T, (c) => c.notNull())
    .addColumn('check_name', T, (c) => c.notNull()) // canonical
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('status', T, (c) => c.notNull())
    .addColumn('total_resources', 'bigint')
    .addColumn('non_compliant_resources', 'bigint')
    .addColumn('error_code', T)
    .addColumn('message', T)
    .addPrimaryKeyConstraint('audit_task_checks_pk', ['account_id', 'region', 'task_id', 'check_name'])
    .execute();

  await scoped(db.schema.createTable('audit_findings'))
    .addColumn('finding_id', T, (c) => c.notNull())
    .addColumn('task_id', T, (c) => c.notNull())
    .addColumn('check_name', T, (c) => c.notNull()) // canonical
    .addColumn('task_start_time', 'bigint', (c) => c.notNull())
    .addColumn('finding_time', 'bigint', (c) => c.notNull())
    .addColumn('severity', T, (c) => c.notNull())
    .addColumn('resource_type', T, (c) => c.notNull())
    .addColumn('resource_key', T, (c) => c.notNull()) // normalised identifier: the suppression match key
    .addColumn('resource_identifier', T, (c) => c.notNull()) // JSON
    .addColumn('additional_info', T) // JSON
    .addColumn('related_resources', T) // JSON array (all of them)
    .addColumn('reason', T, (c) => c.notNull())
    .addColumn('reason_code', T, (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_findings_pk', ['account_id', 'region', 'finding_id'])
    .execute();
  await db.schema
    .createIndex('audit_findings_by_task')
    .on('audit_findings')
    .columns(['account_id', 'region', 'task_id', 'check_name', 'resource_key'])
    .execute();
  await db.schema
    .createIndex('audit_findings_by_time')
    .on('audit_findings')
    .columns(['account_id', 'region', 'finding_time', 'finding_id'])
    .execute();

  await scoped(db.schema.createTable('audit_suppressions'))
    .addColumn('check_name', T, (c) => c.notNull()) // canonical
    .addColumn('resource_key', T, (c) => c.notNull())
    .addColumn('given_check_name', T, (c) => c.notNull()) // the caller's spelling (docs/decisions.md#a20)
    .addColumn('resource_identifier', T, (c) => c.notNull()) // JSON, as given
    .addColumn('expiration_date', 'bigint')
    .addColumn('suppress_indefinitely', 'integer', (c) => c.notNull())
    .addColumn('description', T)
    .addColumn('client_request_token', T)
    .addColumn('request_hash', T)
    .addPrimaryKeyConstraint('audit_suppressions_pk', ['account_id', 'region', 'check_name', 'resource_key'])
    .execute();

  await scoped(db.schema.createTable('scheduled_audits'))
    .addColumn('scheduled_audit_name', T, (c) => c.notNull())
    .addColumn('frequency', T, (c) => c.notNull())
    .addColumn('day_of_month', T)
    .addColumn('day_of_week', T)
    .addColumn('target_check_names', T, (c) => c.notNull()) // JSON array, caller's spelling
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_due', 'bigint', (c) => c.notNull()) // the due instant last run (created_at before the first)
    .addPrimaryKeyConstraint('scheduled_audits_pk', ['account_id', 'region', 'scheduled_audit_name'])
    .execute();
}
