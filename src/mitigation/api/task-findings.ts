// Which findings a mitigation task counted, and which of them failed, for the dashboard's task page. The API has no
// task-wide listing (ListAuditMitigationActionsExecutions needs a findingId), so a page lists the task's findings
// here and asks the API for each one's executions: what it shows of an execution is always the API's answer, as
// the page's caller is authorized to see it.
import type { Kysely } from 'kysely';
import type { Database, MitigationTaskFindingRow } from '../../store/schema.js';
import type { AccountScope } from '../../kernel/scope.js';

export type FindingOutcome = NonNullable<MitigationTaskFindingRow['outcome']>;

export interface TaskFinding {
  findingId: string;
  checkName: string;
  /** Undefined while the finding is still being worked on. */
  outcome?: FindingOutcome;
}

/** One page of a task's findings by finding id, after `afterFindingId`; `limit + 1` rows say whether more follow. */
export async function taskFindingsPage(
  db: Kysely<Database>,
  scope: AccountScope,
  taskId: string,
  options: { outcome?: FindingOutcome; afterFindingId?: string; limit: number },
): Promise<TaskFinding[]> {
  let q = db
    .selectFrom('mitigation_task_findings')
    .select(['finding_id', 'check_name', 'outcome'])
    .where('account_id', '=', scope.accountId)
    .where('region', '=', scope.region)
    .where('task_id', '=', taskId)
    .orderBy('finding_id')
    .limit(options.limit + 1);
  if (options.outcome) q = q.where('outcome', '=', options.outcome);
  if (options.afterFindingId !== undefined) q = q.where('finding_id', '>', options.afterFindingId);
  const rows = await q.execute();
  return rows.map((r) => ({ findingId: r.finding_id, checkName: r.check_name, ...(r.outcome ? { outcome: r.outcome } : {}) }));
}

/** A position in the order failures happened: end time, then finding id. */
export type FailureKey = [endTime: number, findingId: string];

/**
 * The findings whose executions failed after `after`, in the order they failed (at most `limit`): how a live page
 * shows failures as they happen. Only called when the task's failed count has grown.
 */
export async function failuresAfter(db: Kysely<Database>, scope: AccountScope, taskId: string, after: FailureKey | undefined, limit: number) {
  let q = db
    .selectFrom('mitigation_executions')
    .select(['finding_id', 'end_time'])
    .where('account_id', '=', scope.accountId)
    .where('region', '=', scope.region)
    .where('task_id', '=', taskId)
    .where('status', '=', 'FAILED')
    .orderBy('end_time')
    .orderBy('finding_id')
    .limit(limit);
  if (after) {
    const [time, id] = after;
    q = q.where((eb) => eb.or([eb('end_time', '>', time), eb.and([eb('end_time', '=', time), eb('finding_id', '>', id)])]));
  }
  const rows = await q.execute();
  return rows.map((r) => ({ findingId: r.finding_id, key: [Number(r.end_time ?? 0), r.finding_id] as FailureKey }));
}
