// ListAuditFindings, DescribeAuditFinding, ListRelatedResourcesForAuditFinding. `isSuppressed` is computed
// when findings are read (docs/decisions.md#a7).
import type { HandlerTable, RequestContext } from '../../registry/context.js';
import type {
  AuditFindingOutput,
  AuditFindingSeverity,
  DescribeAuditFindingInput,
  DescribeAuditFindingOutput,
  ListAuditFindingsInput,
  ListAuditFindingsOutput,
  ListRelatedResourcesForAuditFindingInput,
  ListRelatedResourcesForAuditFindingOutput,
  RelatedResource,
  ResourceIdentifier,
  ResourceType,
} from '../../model/types.generated.js';
import type { AuditFindingRow } from '../../store/schema.js';
import { invalidRequest, notFound } from '../../kernel/errors.js';
import { decodeToken, DEFAULT_PAGE_SIZE, pageOf } from '../../kernel/pagination.js';
import { fromJson } from '../../kernel/json.js';
import { requireCheckName, resourceKey } from '../engine/catalogue.js';
import { RETENTION_MS } from '../engine/engine.js';
import { activeSuppression } from '../engine/suppressed.js';
import { findAuditTask } from './tasks.js';

/** Related resources embedded in a finding; AWS returns the rest only through ListRelatedResourcesForAuditFinding. */
const MAX_EMBEDDED_RELATED = 10;

type FindingRow = AuditFindingRow & { suppressed: number | boolean };

/** Findings of the caller's account within retention, each with its suppression state at ctx.now. */
function findingsQuery(ctx: RequestContext) {
  return ctx.db
    .selectFrom('audit_findings as f')
    .selectAll('f')
    .select((eb) => eb.case().when(activeSuppression(eb, ctx.now)).then(1).else(0).end().as('suppressed'))
    .where('f.account_id', '=', ctx.accountId)
    .where('f.region', '=', ctx.region)
    .where('f.task_start_time', '>=', ctx.now - RETENTION_MS);
}

/** The wire AuditFinding of a stored row. */
function findingOutput(row: FindingRow): AuditFindingOutput {
  const related = fromJson<RelatedResource[]>(row.related_resources, []);
  return {
    findingId: row.finding_id,
    taskId: row.task_id,
    checkName: row.check_name,
    taskStartTime: row.task_start_time,
    findingTime: row.finding_time,
    severity: row.severity as AuditFindingSeverity,
    nonCompliantResource: {
      resourceType: row.resource_type as ResourceType,
      resourceIdentifier: fromJson<ResourceIdentifier>(row.resource_identifier, {}),
      additionalInfo: fromJson<Record<string, string> | undefined>(row.additional_info, undefined),
    },
    // Absent for the intermediate-CA check, as in AWS (docs/decisions.md#m11); otherwise the first 10.
    relatedResources:
      related.length === 0 || row.check_name === 'INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK'
        ? undefined
        : related.slice(0, MAX_EMBEDDED_RELATED),
    reasonForNonCompliance: row.reason,
    reasonForNonComplianceCode: row.reason_code,
    isSuppressed: Number(row.suppressed) === 1,
  };
}

/** Validates the scope rule (docs/decisions.md#a9, #a22, #a41); returns the time window when that is the scope. */
async function findingScope(
  input: ListAuditFindingsInput,
  ctx: RequestContext,
): Promise<{ start?: number; end?: number }> {
  const { startTime, endTime } = input;
  const hasStart = startTime !== undefined;
  const hasEnd = endTime !== undefined;
  if (input.taskId !== undefined) {
    if (hasStart || hasEnd) throw invalidRequest('Use either taskId or startTime and endTime, not both');
    if (!(await findAuditTask(ctx, input.taskId)))
      throw invalidRequest(`Audit task ${input.taskId} does not exist (or is older than the 90-day retention)`);
    return {};
  }
  if (!hasStart || !hasEnd) throw invalidRequest('ListAuditFindings needs either taskId, or both startTime and endTime');
  const start = startTime.getTime();
  const end = endTime.getTime();
  if (end < start) throw invalidRequest('endTime must not be before startTime');
  return { start, end };
}

async function listAuditFindings(input: ListAuditFindingsInput, ctx: RequestContext): Promise<ListAuditFindingsOutput> {
  const window = await findingScope(input, ctx);
  if (input.resourceIdentifier !== undefined && input.checkName === undefined)
    throw invalidRequest('resourceIdentifier can only be used together with checkName');
  const checkName = input.checkName === undefined ? undefined : requireCheckName(input.checkName);
  const key = input.resourceIdentifier === undefined ? undefined : resourceKey(checkName!, input.resourceIdentifier);
  const suppressedFilter: boolean | undefined = input.listSuppressedFindings;
  const filters = { taskId: input.taskId, ...window, checkName, key, suppressedFilter };
  const pageSize: number = input.maxResults ?? DEFAULT_PAGE_SIZE;

  let q = findingsQuery(ctx).orderBy('f.finding_time', 'desc').orderBy('f.finding_id').limit(pageSize + 1);
  if (filters.taskId !== undefined) q = q.where('f.task_id', '=', filters.taskId);
  if (window.start !== undefined) q = q.where('f.finding_time', '>=', window.start).where('f.finding_time', '<=', window.end!);
  if (checkName !== undefined) q = q.where('f.check_name', '=', checkName);
  if (key !== undefined) q = q.where('f.resource_key', '=', key);
  if (suppressedFilter === true) q = q.where((eb) => activeSuppression(eb, ctx.now));
  if (suppressedFilter === false) q = q.where((eb) => eb.not(activeSuppression(eb, ctx.now)));
  if (input.nextToken !== undefined) {
    const [t, id] = decodeToken('ListAuditFindings', filters, input.nextToken) as [number, string];
    q = q.where((eb) => eb.or([eb('f.finding_time', '<', t), eb.and([eb('f.finding_time', '=', t), eb('f.finding_id', '>', id)])]));
  }
  const rows = (await q.execute()) as FindingRow[];
  const page = pageOf(rows, pageSize, 'ListAuditFindings', filters, (r) => [r.finding_time, r.finding_id]);
  return { findings: page.items.map(findingOutput), nextToken: page.next };
}

async function requireFinding(ctx: RequestContext, findingId: string): Promise<FindingRow> {
  const row = (await findingsQuery(ctx).where('f.finding_id', '=', findingId).executeTakeFirst()) as FindingRow | undefined;
  if (!row) throw notFound(`Audit finding ${findingId} does not exist`);
  return row;
}

async function describeAuditFinding(
  input: DescribeAuditFindingInput,
  ctx: RequestContext,
): Promise<DescribeAuditFindingOutput> {
  return { finding: findingOutput(await requireFinding(ctx, input.findingId)) };
}

async function listRelatedResourcesForAuditFinding(
  input: ListRelatedResourcesForAuditFindingInput,
  ctx: RequestContext,
): Promise<ListRelatedResourcesForAuditFindingOutput> {
  const row = await requireFinding(ctx, input.findingId);
  const related = fromJson<RelatedResource[]>(row.related_resources, []);
  const filters = { findingId: row.finding_id };
  const pageSize: number = input.maxResults ?? DEFAULT_PAGE_SIZE;
  const from =
    input.nextToken === undefined ? 0 : Number(decodeToken('ListRelatedResourcesForAuditFinding', filters, input.nextToken)[0]);
  // Positions are the keyset: a finding's related resources never change after it is written.
  const indexed = related.slice(from, from + pageSize + 1).map((r, i) => ({ r, i: from + i }));
  const page = pageOf(indexed, pageSize, 'ListRelatedResourcesForAuditFinding', filters, (x) => [x.i + 1]);
  return { relatedResources: page.items.map((x) => x.r), nextToken: page.next };
}

export const auditFindingHandlers = {
  ListAuditFindings: listAuditFindings,
  DescribeAuditFinding: describeAuditFinding,
  ListRelatedResourcesForAuditFinding: listRelatedResourcesForAuditFinding,
} satisfies HandlerTable;
