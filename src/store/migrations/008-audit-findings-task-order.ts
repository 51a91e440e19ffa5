// StartAuditMitigationActionsTask reads an audit's findings in chunks, in processing order (finding_time, finding_id),
// each chunk strictly after the last one's (finding_time, finding_id). Neither existing index serves that: by_task
// orders a task's findings by check and resource, so every chunk would re-read and sort all of them (quadratic in the
// audit's size), and by_time walks the findings of every audit of the account. This one is an equality on the task
// followed by the row-value range, in the order the chunks are read.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('audit_findings_by_task_time')
    .on('audit_findings')
    .columns(['account_id', 'region', 'task_id', 'finding_time', 'finding_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('audit_findings_by_task_time').execute();
}
