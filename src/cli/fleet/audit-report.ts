// The content of `ddlocal report` (docs/fleet-format.md#audit-reports): an audit task's findings grouped per check and
// severity, with a summary, rendered as JSON, CSV (RFC 4180) or a markdown page. Pure functions of what
// DescribeAuditTask and ListAuditFindings answered, so the same report comes from ddlocal or from AWS.

export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const;

export interface ReportFinding {
  checkName: string;
  severity: string;
  resourceType: string;
  /** The non-compliant resource's identifier members as `name=value` pairs, `; `-separated. */
  resourceIdentifier: string;
  reasonForNonComplianceCode: string;
  reasonForNonCompliance: string;
  isSuppressed: boolean;
  findingId: string;
}

export interface ReportCheck {
  checkName: string;
  checkRunStatus: string;
  checkCompliant?: boolean;
  totalResourcesCount?: number;
  nonCompliantResourcesCount?: number;
  findings: number;
}

export interface AuditReport {
  taskId: string;
  taskStatus?: string;
  taskType?: string;
  taskStartTime?: string;
  summary: {
    checksRun: number;
    compliantChecks: number;
    nonCompliantChecks: number;
    failedChecks: number;
    findings: number;
    findingsBySeverity: Record<string, number>;
  };
  checks: ReportCheck[];
  findings: ReportFinding[];
}

const text = (value: unknown) => (value === undefined || value === null ? '' : String(value));
const isoTime = (value: unknown) => (value instanceof Date ? value.toISOString() : value === undefined ? undefined : String(value));

/** `{policyVersionIdentifier: {policyName: p, policyVersionId: 1}}` → `policyVersionIdentifier.policyName=p; …`. */
function identifierText(identifier: unknown, prefix = ''): string[] {
  if (identifier === null || typeof identifier !== 'object') return prefix ? [`${prefix}=${text(identifier)}`] : [];
  return Object.keys(identifier)
    .sort()
    .flatMap((key) => identifierText((identifier as Record<string, unknown>)[key], prefix ? `${prefix}.${key}` : key));
}

const severityRank = (severity: string) => {
  const rank = (SEVERITIES as readonly string[]).indexOf(severity);
  return rank < 0 ? SEVERITIES.length : rank;
};

export function buildReport(taskId: string, task: Record<string, any>, rawFindings: Record<string, any>[]): AuditReport {
  const findings: ReportFinding[] = rawFindings.map((f) => ({
    checkName: text(f.checkName),
    severity: text(f.severity),
    resourceType: text(f.nonCompliantResource?.resourceType),
    resourceIdentifier: identifierText(f.nonCompliantResource?.resourceIdentifier).join('; '),
    reasonForNonComplianceCode: text(f.reasonForNonComplianceCode),
    reasonForNonCompliance: text(f.reasonForNonCompliance),
    isSuppressed: f.isSuppressed === true,
    findingId: text(f.findingId),
  }));
  // Per check, worst severity first, then by resource: a stable order for diffs between runs.
  findings.sort(
    (a, b) =>
      (a.checkName < b.checkName ? -1 : a.checkName > b.checkName ? 1 : 0) ||
      severityRank(a.severity) - severityRank(b.severity) ||
      (a.resourceIdentifier < b.resourceIdentifier ? -1 : a.resourceIdentifier > b.resourceIdentifier ? 1 : 0) ||
      (a.findingId < b.findingId ? -1 : 1),
  );
  const perCheck = new Map<string, number>();
  const bySeverity: Record<string, number> = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
  for (const f of findings) {
    perCheck.set(f.checkName, (perCheck.get(f.checkName) ?? 0) + 1);
    bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
  }
  const details = (task.auditDetails ?? {}) as Record<string, Record<string, any>>;
  const checks: ReportCheck[] = Object.keys(details)
    .sort()
    .map((checkName) => {
      const d = details[checkName]!;
      return {
        checkName,
        checkRunStatus: text(d.checkRunStatus),
        ...(d.checkCompliant !== undefined ? { checkCompliant: d.checkCompliant === true } : {}),
        ...(d.totalResourcesCount !== undefined ? { totalResourcesCount: Number(d.totalResourcesCount) } : {}),
        ...(d.nonCompliantResourcesCount !== undefined ? { nonCompliantResourcesCount: Number(d.nonCompliantResourcesCount) } : {}),
        findings: perCheck.get(checkName) ?? 0,
      };
    });
  const stats = (task.taskStatistics ?? {}) as Record<string, number | undefined>;
  return {
    taskId,
    taskStatus: task.taskStatus,
    taskType: task.taskType,
    taskStartTime: isoTime(task.taskStartTime),
    summary: {
      checksRun: stats.totalChecks ?? checks.length,
      compliantChecks: stats.compliantChecks ?? checks.filter((c) => c.checkCompliant === true).length,
      nonCompliantChecks: stats.nonCompliantChecks ?? checks.filter((c) => c.checkCompliant === false).length,
      failedChecks: stats.failedChecks ?? checks.filter((c) => c.checkRunStatus === 'FAILED').length,
      findings: findings.length,
      findingsBySeverity: bySeverity,
    },
    checks,
    findings,
  };
}

const FINDING_COLUMNS: (keyof ReportFinding)[] = [
  'checkName',
  'severity',
  'resourceType',
  'resourceIdentifier',
  'reasonForNonComplianceCode',
  'reasonForNonCompliance',
  'isSuppressed',
  'findingId',
];

/** One RFC 4180 field: quoted when it holds a comma, a quote or a line break, with quotes doubled. */
export function csvField(value: unknown): string {
  const s = text(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The findings, one row each after a header row; CRLF line ends as RFC 4180 says. */
export function reportCsv(report: AuditReport): string {
  const rows = [FINDING_COLUMNS, ...report.findings.map((f) => FINDING_COLUMNS.map((c) => f[c]))];
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** A markdown table cell: `|` escaped, line breaks as <br> so that a cell stays on its row. */
export function markdownCell(value: unknown): string {
  return text(value).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r\n|\r|\n/g, '<br>');
}

function table(header: string[], rows: unknown[][]): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(markdownCell).join(' | ')} |`)];
}

export function reportMarkdown(report: AuditReport): string {
  const s = report.summary;
  const lines = [
    `# Audit report: task ${markdownCell(report.taskId)}`,
    '',
    `Status ${markdownCell(report.taskStatus)}, ${markdownCell(report.taskType)}, started ${markdownCell(report.taskStartTime)}.`,
    '',
    '## Summary',
    '',
    ...table(
      ['Checks run', 'Compliant', 'Non-compliant', 'Failed', 'Findings', ...SEVERITIES.map((v) => v.charAt(0) + v.slice(1).toLowerCase())],
      [[s.checksRun, s.compliantChecks, s.nonCompliantChecks, s.failedChecks, s.findings, ...SEVERITIES.map((v) => s.findingsBySeverity[v] ?? 0)]],
    ),
    '',
    '## Checks',
    '',
    ...table(
      ['Check', 'Run status', 'Compliant', 'Resources', 'Non-compliant resources', 'Findings'],
      report.checks.map((c) => [c.checkName, c.checkRunStatus, c.checkCompliant === undefined ? '' : c.checkCompliant ? 'yes' : 'no', c.totalResourcesCount, c.nonCompliantResourcesCount, c.findings]),
    ),
    '',
    '## Findings',
    '',
    ...(report.findings.length === 0
      ? ['No findings.']
      : table(
          ['Check', 'Severity', 'Resource type', 'Resource', 'Reason', 'Suppressed'],
          report.findings.map((f) => [f.checkName, f.severity, f.resourceType, f.resourceIdentifier, f.reasonForNonCompliance, f.isSuppressed ? 'yes' : 'no']),
        )),
    '',
  ];
  return lines.join('\n');
}
