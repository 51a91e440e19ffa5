// `start-on-demand-audit-task … --wait`: progress of an audit in checks, from DescribeAuditTask — the finished count
// from taskStatistics, each check's state from auditDetails' checkRunStatus. Checks, not resources, are the unit:
// a check's resource count is known only once it has finished, so only checks give a rate that predicts the end.
import type { ProgressSnapshot } from './progress.js';

interface AuditStatistics {
  totalChecks?: number;
  inProgressChecks?: number;
  waitingForDataCollectionChecks?: number;
  compliantChecks?: number;
  nonCompliantChecks?: number;
  failedChecks?: number;
  canceledChecks?: number;
}

interface CheckDetails {
  checkRunStatus?: string;
  totalResourcesCount?: number;
  nonCompliantResourcesCount?: number;
}

const UNFINISHED = new Set(['IN_PROGRESS', 'WAITING_FOR_DATA_COLLECTION']);

export function auditProgress(task: Record<string, unknown>): { snapshot: ProgressSnapshot; perCheck: string[] } {
  const s = (task.taskStatistics ?? {}) as AuditStatistics;
  const details = Object.entries((task.auditDetails ?? {}) as Record<string, CheckDetails>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const fromDetails = details.filter(([, d]) => d.checkRunStatus !== undefined && !UNFINISHED.has(d.checkRunStatus)).length;
  const fromStatistics = (s.compliantChecks ?? 0) + (s.nonCompliantChecks ?? 0) + (s.failedChecks ?? 0) + (s.canceledChecks ?? 0);
  const total = s.totalChecks ?? details.length;
  const done = Math.min(total, Math.max(fromDetails, fromStatistics));
  const perCheck = details.map(([check, d]) => {
    const resources = d.totalResourcesCount !== undefined ? ` (${d.nonCompliantResourcesCount ?? 0}/${d.totalResourcesCount} resources non-compliant)` : '';
    return `${check} ${d.checkRunStatus ?? 'UNKNOWN'}${resources}`;
  });
  const status = String(task.taskStatus);
  return { snapshot: { status, done, total, unit: 'checks', detail: perCheck.join('; ') }, perCheck };
}
