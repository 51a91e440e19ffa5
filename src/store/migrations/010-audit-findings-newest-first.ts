// ListAuditFindings by task answers newest first (findingTime descending, then findingId ascending;
// docs/decisions.md#a9), a page at a time. No index had that mixed order: each page sorted all of the task's findings,
// testing each for suppression first — 300 ms for the first page of a 100,000-finding audit, on every page of the
// dashboard's findings table (docs/benchmarks.md, "Dashboard: the findings of a 100,000-finding audit"). With this
// index a page reads its 100 rows in order and stops.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('audit_findings_by_task_newest')
    .on('audit_findings')
    .columns(['account_id', 'region', 'task_id', 'finding_time desc', 'finding_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('audit_findings_by_task_newest').execute();
}
