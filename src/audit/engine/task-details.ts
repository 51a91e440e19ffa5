// The per-check results of an audit task as DescribeAuditTask and the audit notification report them:
// stored statuses and counts, with the compliant/non-compliant split recomputed from suppressions active now.
import type { Db } from '../../store/store.js';
import type { AuditTaskRow } from '../../store/schema.js';
import { activeSuppression } from './suppressed.js';
import type { AuditCheckRunStatus } from '../../model/types.generated.js';

export interface AuditCheckDetails {
  checkRunStatus: AuditCheckRunStatus;
  checkCompliant?: boolean;
  totalResourcesCount?: number;
  nonCompliantResourcesCount?: number;
  suppressedNonCompliantResourcesCount?: number;
  errorCode?: string;
  message?: string;
}

/**
 * Per-check details with the compliant/non-compliant split derived from the suppressions active now
 * (docs/decisions.md#a6, #a21).
 * Shared by DescribeAuditTask, the audit notification and the mitigation area, which report the same numbers.
 */
export async function auditTaskDetails(db: Db, task: AuditTaskRow, now: number): Promise<Map<string, AuditCheckDetails>> {
  const checks = await db
    .selectFrom('audit_task_checks')
    .selectAll()
    .where('account_id', '=', task.account_id)
    .where('region', '=', task.region)
    .where('task_id', '=', task.task_id)
    .orderBy('position')
    .execute();
  const suppressedRows = await db
    .selectFrom('audit_findings as f')
    .select((eb) => ['f.check_name', eb.fn.count<number>('f.resource_key').distinct().as('n')])
    .where('f.account_id', '=', task.account_id)
    .where('f.region', '=', task.region)
    .where('f.task_id', '=', task.task_id)
    .where((eb) => activeSuppression(eb, now))
    .groupBy('f.check_name')
    .execute();
  const suppressed = new Map(suppressedRows.map((r) => [r.check_name, Number(r.n)]));
  const details = new Map<string, AuditCheckDetails>();
  for (const c of checks) {
    const completed = c.status === 'COMPLETED_COMPLIANT' || c.status === 'COMPLETED_NON_COMPLIANT';
    if (!completed) {
      // A FAILED check may still report what it proved before data ran out (docs/decisions.md#a33).
      details.set(c.check_name, {
        checkRunStatus: c.status as AuditCheckRunStatus,
        totalResourcesCount: c.total_resources ?? undefined,
        nonCompliantResourcesCount: c.non_compliant_resources ?? undefined,
        suppressedNonCompliantResourcesCount: c.non_compliant_resources === null ? undefined : suppressed.get(c.check_name) ?? 0,
        errorCode: c.error_code ?? undefined,
        message: c.message ?? undefined,
      });
      continue;
    }
    const nonCompliant = c.non_compliant_resources ?? 0;
    const hidden = suppressed.get(c.check_name) ?? 0;
    const compliant = nonCompliant - hidden === 0;
    details.set(c.check_name, {
      checkRunStatus: compliant ? 'COMPLETED_COMPLIANT' : 'COMPLETED_NON_COMPLIANT',
      checkCompliant: compliant,
      totalResourcesCount: c.total_resources ?? 0,
      nonCompliantResourcesCount: nonCompliant,
      suppressedNonCompliantResourcesCount: hidden,
    });
  }
  return details;
}

