// StartAuditMitigationActionsTask: validation in the order of docs/decisions.md#m25, the finding selection of
// docs/decisions.md#m6 and, in the request's transaction, the task row, the actions snapshot, one row per counted
// finding and one execution per (finding, action). The mitigation runner (src/mitigation/engine/engine.ts) does the
// work after the commit.
import { sql, type SqlBool } from 'kysely';
import type { RequestContext } from '../../registry/context.js';
import type {
  StartAuditMitigationActionsTaskInput,
  StartAuditMitigationActionsTaskOutput,
} from '../../model/types.generated.js';
import type { MitigationExecutionRow, MitigationTaskFindingRow, MitigationTaskRow } from '../../store/schema.js';
import { invalidRequest, limitExceeded } from '../../kernel/errors.js';
import { modeledError } from '../../model/modeled-error.js';
import { canonicalCheckName, CHECK_REASON_CODES } from '../../audit/engine/catalogue.js';
import { enabledCheckConfigurations, RETENTION_MS } from '../../audit/engine/engine.js';
import { activeSuppression } from '../../audit/engine/suppressed.js';
import { findAuditTask } from '../../audit/api/tasks.js';
import { loadActionDefinitions } from './actions.js';
import { actionTypeAllowed } from '../actions/index.js';
import type { ActionDefinition } from '../action.js';
import { wakeMitigationRunners } from '../engine/wake.js';
import { scoped } from '../../store/scoped.js';

/** Audit mitigation tasks IN_PROGRESS per account and region [AWS quota] (docs/decisions.md#m20). */
const MAX_MITIGATION_TASKS_IN_PROGRESS = 10;
/** Rows per INSERT: keeps each statement under SQLite's bound-parameter limit. */
const INSERT_BATCH = 500;

export interface Target {
  auditTaskId?: string;
  findingIds?: string[];
  auditCheckToReasonCodeFilter?: Record<string, string[]>;
}

/**
 * A mapped check: the caller's spelling, which statistics use (docs/decisions.md#a20), and its actions in mapping
 * order.
 */
export interface MappedCheck {
  callerName: string;
  actions: ActionDefinition[];
}

/**
 * JSON with object keys sorted at every level: two requests are identical when these strings are
 * (docs/decisions.md#m4).
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

function withinRetention(ctx: RequestContext) {
  return ctx.now - RETENTION_MS;
}

/** Step 2: an answer for a retry (the task id), an error, or undefined when this is a new task. */
async function idempotentAnswer(ctx: RequestContext, taskId: string, token: string, request: string): Promise<string | undefined> {
  const scope = (q: any) => q.where('account_id', '=', ctx.accountId).where('region', '=', ctx.region);
  const existing: MitigationTaskRow | undefined = await scope(ctx.db.selectFrom('mitigation_tasks').selectAll())
    .where('task_id', '=', taskId)
    .executeTakeFirst();
  if (existing && existing.start_time >= withinRetention(ctx)) {
    if (existing.client_request_token !== token)
      throw modeledError('TaskAlreadyExistsException', `Audit mitigation actions task ${taskId} already exists (started with another clientRequestToken)`);
    if (existing.request !== request)
      throw invalidRequest(`clientRequestToken was already used with different parameters for task ${taskId}`);
    return taskId;
  }
  const owner: { task_id: string; start_time: number } | undefined = await scope(
    ctx.db.selectFrom('mitigation_tasks').select(['task_id', 'start_time']),
  )
    .where('client_request_token', '=', token)
    .executeTakeFirst();
  if (owner && owner.start_time >= withinRetention(ctx))
    throw invalidRequest(`clientRequestToken ${token} was already used by audit mitigation actions task ${owner.task_id}`);
  // Past retention, a task id and a token are free again (docs/decisions.md#m4): drop what the purge has not removed
  // yet.
  for (const stale of [existing?.task_id, owner?.task_id].filter((t): t is string => t !== undefined)) await deleteTask(ctx, stale);
  return undefined;
}

async function deleteTask(ctx: RequestContext, taskId: string): Promise<void> {
  for (const table of ['mitigation_executions', 'mitigation_task_findings', 'mitigation_tasks'] as const)
    await ctx.db
      .deleteFrom(table)
      .where('account_id', '=', ctx.accountId)
      .where('region', '=', ctx.region)
      .where('task_id', '=', taskId)
      .execute();
}

/** Step 3 (docs/decisions.md#m3, #m23). */
function checkTargetRules(target: Target): void {
  const hasAudit = target.auditTaskId !== undefined;
  const hasFindings = target.findingIds !== undefined;
  if (hasAudit === hasFindings) throw invalidRequest('target must contain exactly one of auditTaskId or findingIds');
  if (target.auditCheckToReasonCodeFilter !== undefined && !hasAudit)
    throw invalidRequest('target.auditCheckToReasonCodeFilter can only be used together with target.auditTaskId');
  if (hasFindings) {
    const seen = new Set<string>();
    for (const id of target.findingIds!) {
      if (seen.has(id)) throw invalidRequest(`target.findingIds lists finding ${id} more than once`);
      seen.add(id);
    }
  }
}

/** Step 4 (docs/decisions.md#m3, #m24). */
async function checkTargetExists(ctx: RequestContext, target: Target): Promise<void> {
  if (target.auditTaskId !== undefined) {
    const audit = await findAuditTask(ctx, target.auditTaskId);
    if (!audit) throw invalidRequest(`Audit task ${target.auditTaskId} does not exist`);
    if (audit.task_status === 'IN_PROGRESS')
      throw invalidRequest(`Audit task ${target.auditTaskId} is still IN_PROGRESS; start mitigation once it has ended`);
    return;
  }
  const found = await scoped(ctx)
    .selectFrom('audit_findings')
    .select('finding_id')
    .where('finding_id', 'in', target.findingIds!)
    .where('task_start_time', '>=', withinRetention(ctx))
    .execute();
  const known = new Set(found.map((f) => f.finding_id));
  const unknown = target.findingIds!.filter((id) => !known.has(id));
  if (unknown.length === 1) throw invalidRequest(`Finding ${unknown[0]} does not exist`);
  if (unknown.length > 1) throw invalidRequest(`Findings ${unknown.join(', ')} do not exist`);
}

/**
 * Step 5 (docs/decisions.md#m1, #m2, #m22): mapping keys known and enabled; the reason-code filter consistent with
 * the mapping.
 */
async function checkChecks(ctx: RequestContext, target: Target, mapping: Record<string, string[]>): Promise<Map<string, string>> {
  const canonicalOf = new Map<string, string>(); // canonical → caller spelling
  for (const name of Object.keys(mapping)) {
    const canonical = canonicalCheckName(name);
    if (!canonical) throw invalidRequest(`Check ${name} in auditCheckToActionsMapping is not an audit check known to ddlocal`);
    if (canonicalOf.has(canonical))
      throw invalidRequest(`auditCheckToActionsMapping names ${canonical} twice (as ${canonicalOf.get(canonical)} and ${name})`);
    canonicalOf.set(canonical, name);
  }
  const enabled = await enabledCheckConfigurations(ctx.db, ctx.accountId, ctx.region);
  for (const [canonical, name] of canonicalOf)
    if (!Object.hasOwn(enabled, canonical)) throw invalidRequest(`Check ${name} is not enabled in the account audit configuration`);
  for (const [name, codes] of Object.entries(target.auditCheckToReasonCodeFilter ?? {})) {
    const canonical = canonicalCheckName(name);
    if (!canonical) throw invalidRequest(`Check ${name} in auditCheckToReasonCodeFilter is not an audit check known to ddlocal`);
    if (!canonicalOf.has(canonical))
      throw invalidRequest(`Check ${name} in auditCheckToReasonCodeFilter is not a key of auditCheckToActionsMapping`);
    const valid = CHECK_REASON_CODES[canonical] ?? [];
    for (const code of codes)
      if (!valid.includes(code))
        throw invalidRequest(`${code} is not a reason code of ${canonical}; its codes are ${valid.join(', ')}`);
  }
  return canonicalOf;
}

/**
 * Steps 6 and 7 (docs/decisions.md#m1, #m2, #m23): actions exist, none repeats within a check, each type fits its
 * check.
 */
async function resolveActions(
  ctx: RequestContext,
  mapping: Record<string, string[]>,
  canonicalOf: Map<string, string>,
): Promise<{ checks: Map<string, MappedCheck>; snapshot: ActionDefinition[] }> {
  const names = [...new Set(Object.values(mapping).flat())];
  const definitions = await loadActionDefinitions(ctx.db, ctx.accountId, ctx.region, names);
  for (const name of names) if (!definitions.has(name)) throw invalidRequest(`Mitigation action ${name} does not exist`);
  const checks = new Map<string, MappedCheck>();
  for (const [canonical, callerName] of canonicalOf) {
    const list = mapping[callerName]!;
    const seen = new Set<string>();
    for (const name of list) {
      if (seen.has(name)) throw invalidRequest(`auditCheckToActionsMapping lists action ${name} more than once for ${callerName}`);
      seen.add(name);
    }
    checks.set(canonical, { callerName, actions: list.map((n) => definitions.get(n)!) });
  }
  for (const [canonical, { actions }] of checks)
    for (const a of actions)
      if (!actionTypeAllowed(canonical, a.actionType))
        throw invalidRequest(`Mitigation action ${a.name} (${a.actionType}) cannot be applied to findings of ${canonical}`);
  // The snapshot lists each action once, in order of first use.
  const snapshot = names.map((n) => definitions.get(n)!);
  return { checks, snapshot };
}

/** Step 8 [AWS quota] (docs/decisions.md#m20). */
async function checkQuota(ctx: RequestContext): Promise<void> {
  const running = await scoped(ctx)
    .selectFrom('mitigation_tasks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('task_status', '=', 'IN_PROGRESS')
    .executeTakeFirstOrThrow();
  if (Number(running.n) >= MAX_MITIGATION_TASKS_IN_PROGRESS)
    throw limitExceeded(
      `${MAX_MITIGATION_TASKS_IN_PROGRESS} audit mitigation actions tasks are already in progress; wait for one to end or cancel one`,
    );
}

/** Findings read per query while Start writes a task: the most it holds in memory at once (with their rows). */
export const FINDINGS_PER_CHUNK = 500;

/** Where a chunk of the selection ended: the (finding_time, finding_id) of its last finding. */
type FindingCursor = [findingTime: number, findingId: string];

/**
 * Up to `limit` findings the target selects whose check is mapped (docs/decisions.md#m6), oldest first
 * (docs/decisions.md#m30), strictly after `after`, with suppression at now. The cursor needs both columns (an audit's
 * findings of one check share their finding_time) and is a row-value comparison, not
 * `t > x or (t = x and id > y)`, which PostgreSQL reads as a filter: both databases turn the row value into a range
 * of audit_findings_by_task_time (migration 008), so each chunk starts where the last one ended instead of re-reading
 * the audit's findings before it — which would make Start quadratic in the audit's size.
 */
async function selectFindings(
  ctx: RequestContext,
  target: Target,
  checks: Map<string, MappedCheck>,
  after: FindingCursor | undefined,
  limit: number,
) {
  let q = ctx.db
    .selectFrom('audit_findings as f')
    .select(['f.finding_id', 'f.task_id', 'f.check_name', 'f.finding_time', 'f.reason_code'])
    .select((eb) => eb.case().when(activeSuppression(eb, ctx.now)).then(1).else(0).end().as('suppressed'))
    .where('f.account_id', '=', ctx.accountId)
    .where('f.region', '=', ctx.region)
    .where('f.task_start_time', '>=', withinRetention(ctx))
    .where('f.check_name', 'in', [...checks.keys()])
    .orderBy('f.finding_time')
    .orderBy('f.finding_id')
    .limit(limit);
  q = target.auditTaskId !== undefined ? q.where('f.task_id', '=', target.auditTaskId) : q.where('f.finding_id', 'in', target.findingIds!);
  if (after) q = q.where(sql<SqlBool>`((f.finding_time, f.finding_id) > (${after[0]}, ${after[1]}))`);
  return q.execute();
}

/**
 * What validation steps 3–7 resolve: the mapped checks by canonical name, and the actions snapshot
 * (docs/decisions.md#m15).
 */
export interface ValidatedMitigationRequest {
  checks: Map<string, MappedCheck>;
  snapshot: ActionDefinition[];
}

/**
 * Validation steps 3–7 of docs/decisions.md#m25, in order. Shared by StartAuditMitigationActionsTask and the preview
 * extension (docs/decisions.md#m31), which skips only idempotency (step 2) and the quota (step 8).
 */
export async function validateMitigationRequest(
  ctx: RequestContext,
  target: Target,
  mapping: Record<string, string[]>,
): Promise<ValidatedMitigationRequest> {
  checkTargetRules(target);
  await checkTargetExists(ctx, target);
  const canonicalOf = await checkChecks(ctx, target, mapping);
  return resolveActions(ctx, mapping, canonicalOf);
}

/** A counted finding (docs/decisions.md#m6) and what the task does with it. */
export interface SelectedFinding {
  findingId: string;
  auditTaskId: string;
  /** Canonical check name. */
  checkName: string;
  findingTime: number;
  /** The mapped check: the caller's spelling and the actions, in mapping order. */
  mapped: MappedCheck;
  /**
   * ACT: one PENDING execution per action; FILTERED: no executions; SUPPRESSED: SKIPPED executions
   * (docs/decisions.md#m6).
   */
  disposition: 'ACT' | 'FILTERED' | 'SUPPRESSED';
}

/** What the task does with a selected finding: the one place that decides a disposition (docs/decisions.md#m6). */
function selectedFinding(
  row: Awaited<ReturnType<typeof selectFindings>>[number],
  target: Target,
  checks: Map<string, MappedCheck>,
): SelectedFinding {
  const filter = target.auditCheckToReasonCodeFilter;
  const filterCodes = filter && Object.entries(filter).find(([name]) => canonicalCheckName(name) === row.check_name)?.[1];
  const filtered = filterCodes !== undefined && !filterCodes.includes(row.reason_code);
  const suppressed = !filtered && Number(row.suppressed) === 1;
  return {
    findingId: row.finding_id,
    auditTaskId: row.task_id,
    checkName: row.check_name,
    findingTime: Number(row.finding_time),
    mapped: checks.get(row.check_name)!,
    disposition: filtered ? 'FILTERED' : suppressed ? 'SUPPRESSED' : 'ACT',
  };
}

/**
 * The finding selection (docs/decisions.md#m6) at ctx.now, in processing order (docs/decisions.md#m30), in chunks of
 * at most `chunkSize` findings: a caller that handles one chunk before asking for the next holds one chunk at a time.
 * The queries run in ctx.db, so inside Start's transaction (SERIALIZABLE on PostgreSQL; SQLite's one connection) every
 * chunk sees the same findings and suppressions.
 */
export async function* mitigationFindingChunks(
  ctx: RequestContext,
  target: Target,
  checks: Map<string, MappedCheck>,
  chunkSize = FINDINGS_PER_CHUNK,
): AsyncGenerator<SelectedFinding[]> {
  let after: FindingCursor | undefined;
  for (;;) {
    const rows = await selectFindings(ctx, target, checks, after, chunkSize);
    if (rows.length > 0) yield rows.map((row) => selectedFinding(row, target, checks));
    if (rows.length < chunkSize) return;
    const last = rows[rows.length - 1]!;
    after = [Number(last.finding_time), last.finding_id];
  }
}

/**
 * The whole finding selection (docs/decisions.md#m6) at ctx.now, in processing order (docs/decisions.md#m30), for the
 * preview extension, which pages through it. Start streams the same chunks instead of collecting them.
 */
export async function selectMitigationFindings(
  ctx: RequestContext,
  target: Target,
  checks: Map<string, MappedCheck>,
): Promise<SelectedFinding[]> {
  const selected: SelectedFinding[] = [];
  for await (const chunk of mitigationFindingChunks(ctx, target, checks)) for (const f of chunk) selected.push(f);
  return selected;
}

/** The message of an execution skipped because its finding is suppressed (docs/decisions.md#m6). */
export const suppressedMessage = (findingId: string) => `Skipped because finding ${findingId} is suppressed`;

async function insertBatched<T extends 'mitigation_task_findings' | 'mitigation_executions'>(
  ctx: RequestContext,
  table: T,
  rows: (T extends 'mitigation_task_findings' ? MitigationTaskFindingRow : MitigationExecutionRow)[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_BATCH)
    await ctx.db
      .insertInto(table)
      .values(rows.slice(i, i + INSERT_BATCH) as any)
      .execute();
}

/**
 * A chunk's mitigation_task_findings rows (READY to act on; DONE and SKIPPED otherwise) and its executions: PENDING
 * per action, SKIPPED at once for a suppressed finding, none for a finding the reason-code filter excludes.
 */
function taskRowsOf(
  ctx: RequestContext,
  scope: { account_id: string; region: string; task_id: string },
  chunk: SelectedFinding[],
): { findings: MitigationTaskFindingRow[]; executions: MitigationExecutionRow[] } {
  // The scope's columns spelled out, not `...scope`: with the spread, these two literals allocated ~7 KiB per finding
  // on Node 20 (measured: 700 of the 1,200 MB Start allocated for 100,000 findings, against 37 MB spelled out), and
  // that garbage, not what Start keeps, is what pushed the process's heap up between collections.
  const { account_id, region, task_id } = scope;
  const findings: MitigationTaskFindingRow[] = [];
  const executions: MitigationExecutionRow[] = [];
  for (const f of chunk) {
    const act = f.disposition === 'ACT';
    const suppressed = f.disposition === 'SUPPRESSED';
    findings.push({
      account_id,
      region,
      task_id,
      finding_id: f.findingId,
      audit_task_id: f.auditTaskId,
      check_name: f.mapped.callerName,
      finding_time: f.findingTime,
      state: act ? 'READY' : 'DONE',
      outcome: act ? null : 'SKIPPED',
      next_position: 0,
      lease_until: 0,
    });
    // Excluded by the filter: counted as skipped, no execution rows (docs/decisions.md#m6).
    if (f.disposition === 'FILTERED') continue;
    f.mapped.actions.forEach((action, position) =>
      executions.push({
        account_id,
        region,
        task_id,
        finding_id: f.findingId,
        position,
        action_name: action.name,
        action_id: action.id,
        status: suppressed ? 'SKIPPED' : 'PENDING',
        start_time: suppressed ? ctx.now : null,
        end_time: suppressed ? ctx.now : null,
        error_code: null,
        message: suppressed ? suppressedMessage(f.findingId) : null,
        undo: null,
      }),
    );
  }
  return { findings, executions };
}

export async function startAuditMitigationActionsTask(
  input: StartAuditMitigationActionsTaskInput,
  ctx: RequestContext,
): Promise<StartAuditMitigationActionsTaskOutput> {
  const taskId: string = input.taskId;
  const target: Target = input.target;
  const mapping: Record<string, string[]> = input.auditCheckToActionsMapping;
  const request = canonicalJson({ target, auditCheckToActionsMapping: mapping });
  const retry = await idempotentAnswer(ctx, taskId, input.clientRequestToken, request);
  if (retry !== undefined) return { taskId: retry };
  const { checks, snapshot } = await validateMitigationRequest(ctx, target, mapping);
  await checkQuota(ctx);

  const scope = { account_id: ctx.accountId, region: ctx.region, task_id: taskId };
  // The task row goes first, IN_PROGRESS: whether anything is left to do is known only once every chunk is written.
  // Nobody sees the row before the commit, so a task with nothing to do still appears COMPLETED at once.
  await ctx.db
    .insertInto('mitigation_tasks')
    .values({
      ...scope,
      client_request_token: input.clientRequestToken,
      request,
      target: JSON.stringify(target),
      target_audit_task_id: target.auditTaskId ?? null,
      actions_mapping: JSON.stringify(mapping),
      actions_definition: JSON.stringify(snapshot),
      task_status: 'IN_PROGRESS',
      start_time: ctx.now,
      end_time: null,
    })
    .execute();
  // One chunk of findings and its rows at a time: 100,000 findings held at once cost the process ~400 MiB.
  let readyFindings = 0;
  for await (const chunk of mitigationFindingChunks(ctx, target, checks)) {
    const { findings, executions } = taskRowsOf(ctx, scope, chunk);
    readyFindings += findings.filter((f) => f.state === 'READY').length;
    await insertBatched(ctx, 'mitigation_task_findings', findings);
    await insertBatched(ctx, 'mitigation_executions', executions);
  }
  if (readyFindings > 0) wakeMitigationRunners();
  else
    await scoped(ctx)
      .updateTable('mitigation_tasks')
      .set({ task_status: 'COMPLETED', end_time: ctx.now })
      .where('task_id', '=', taskId)
      .execute();
  return { taskId };
}
