// `start-audit-mitigation-actions-task … --wait`: progress of a mitigation task in findings, from
// DescribeAuditMitigationActionsTask's per-check taskStatistics.
import type { ProgressSnapshot } from './progress.js';

interface CheckStatistics {
  totalFindingsCount?: number;
  succeededFindingsCount?: number;
  failedFindingsCount?: number;
  skippedFindingsCount?: number;
  canceledFindingsCount?: number;
}

export function mitigationProgress(task: Record<string, unknown>): { snapshot: ProgressSnapshot; perCheck: string[] } {
  let total = 0;
  let done = 0;
  const perCheck = Object.entries((task.taskStatistics ?? {}) as Record<string, CheckStatistics>).map(([check, s]) => {
    const finished = (s.succeededFindingsCount ?? 0) + (s.failedFindingsCount ?? 0) + (s.skippedFindingsCount ?? 0) + (s.canceledFindingsCount ?? 0);
    total += s.totalFindingsCount ?? 0;
    done += finished;
    return `${check} ${finished}/${s.totalFindingsCount ?? 0} (${s.succeededFindingsCount ?? 0} ok, ${s.failedFindingsCount ?? 0} failed, ${s.skippedFindingsCount ?? 0} skipped, ${s.canceledFindingsCount ?? 0} canceled)`;
  });
  const status = String(task.taskStatus);
  return { snapshot: { status, done, total, unit: 'findings', detail: perCheck.join('; ') }, perCheck };
}
