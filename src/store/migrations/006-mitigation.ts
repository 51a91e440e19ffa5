// Mitigation: actions, audit mitigation tasks, the findings each task counted, and one execution per
// (finding, action). The finding row is the unit a worker claims: its executions run strictly in mapping order.
import type { CreateTableBuilder, Kysely } from 'kysely';
import { textType } from './dialect.js';

export async function up(db: Kysely<any>): Promise<void> {
  const T = textType(db);
  const scoped = <N extends string>(t: CreateTableBuilder<N, any>) =>
    t.addColumn('account_id', T, (c) => c.notNull()).addColumn('region', T, (c) => c.notNull());

  await scoped(db.schema.createTable('mitigation_actions'))
    .addColumn('action_name', T, (c) => c.notNull())
    .addColumn('action_id', T, (c) => c.notNull())
    .addColumn('action_type', T, (c) => c.notNull())
    .addColumn('role_arn', T, (c) => c.notNull())
    .addColumn('action_params', T, (c) => c.notNull()) // JSON: the one ActionParams member that is set
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_modified_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('mitigation_actions_pk', ['account_id', 'region', 'action_name'])
    .execute();

  await scoped(db.schema.createTable('mitigation_tasks'))
    .addColumn('task_id', T, (c) => c.notNull())
    .addColumn('client_request_token', T, (c) => c.notNull())
    .addColumn('request', T, (c) => c.notNull()) // canonical JSON of {target, auditCheckToActionsMapping}: idempotency
    .addColumn('target', T, (c) => c.notNull()) // JSON echo
    .addColumn('target_audit_task_id', T) // target.auditTaskId, for the auditTaskId filter of ListAuditMitigationActionsTasks
    .addColumn('actions_mapping', T, (c) => c.notNull()) // JSON echo
    .addColumn('actions_definition', T, (c) => c.notNull()) // JSON snapshot [{name, id, roleArn, actionParams}]
    .addColumn('task_status', T, (c) => c.notNull())
    .addColumn('start_time', 'bigint', (c) => c.notNull())
    .addColumn('end_time', 'bigint')
    .addPrimaryKeyConstraint('mitigation_tasks_pk', ['account_id', 'region', 'task_id'])
    .execute();
  await db.schema
    .createIndex('mitigation_tasks_by_token')
    .on('mitigation_tasks')
    .columns(['account_id', 'region', 'client_request_token'])
    .unique()
    .execute();
  await db.schema.createIndex('mitigation_tasks_by_status').on('mitigation_tasks').columns(['task_status']).execute();

  // Every finding a task counted (docs/decisions.md#m6): its check (as the caller spelled it), its processing state
  // and outcome.
  await scoped(db.schema.createTable('mitigation_task_findings'))
    .addColumn('task_id', T, (c) => c.notNull())
    .addColumn('finding_id', T, (c) => c.notNull())
    .addColumn('audit_task_id', T, (c) => c.notNull())
    .addColumn('check_name', T, (c) => c.notNull())
    .addColumn('finding_time', 'bigint', (c) => c.notNull())
    // READY (has a PENDING execution to run) | WAITING (an execution awaits SNS) | DONE
    .addColumn('state', T, (c) => c.notNull())
    // SUCCEEDED | FAILED | SKIPPED | CANCELED once DONE (docs/decisions.md#m29)
    .addColumn('outcome', T)
    .addColumn('next_position', 'integer', (c) => c.notNull())
    // A worker's claim: wall-clock epoch ms until which no other worker takes this finding.
    .addColumn('lease_until', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('mitigation_task_findings_pk', ['account_id', 'region', 'task_id', 'finding_id'])
    .execute();
  // Claims walk READY findings oldest first and skip leased ones: this order, not a sort of every READY row per claim.
  await db.schema
    .createIndex('mitigation_task_findings_work')
    .on('mitigation_task_findings')
    .columns(['state', 'finding_time', 'finding_id'])
    .execute();
  await db.schema
    .createIndex('mitigation_task_findings_by_finding')
    .on('mitigation_task_findings')
    .columns(['account_id', 'region', 'finding_id'])
    .execute();
  await db.schema
    .createIndex('mitigation_task_findings_by_audit')
    .on('mitigation_task_findings')
    .columns(['account_id', 'region', 'audit_task_id'])
    .execute();

  await scoped(db.schema.createTable('mitigation_executions'))
    .addColumn('task_id', T, (c) => c.notNull())
    .addColumn('finding_id', T, (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull()) // mapping order within the finding
    .addColumn('action_name', T, (c) => c.notNull())
    .addColumn('action_id', T, (c) => c.notNull())
    .addColumn('status', T, (c) => c.notNull())
    .addColumn('start_time', 'bigint')
    .addColumn('end_time', 'bigint')
    .addColumn('error_code', T)
    .addColumn('message', T)
    .addColumn('undo', T) // JSON before-values for the undo extension (docs/decisions.md#m31)
    .addPrimaryKeyConstraint('mitigation_executions_pk', ['account_id', 'region', 'task_id', 'finding_id', 'position'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['mitigation_executions', 'mitigation_task_findings', 'mitigation_tasks', 'mitigation_actions'])
    await db.schema.dropTable(t).execute();
}
