// StartAuditMitigationActionsTask: validation in the order of docs/decisions.md#m25, the finding selection of
// docs/decisions.md#m6 and, in the request's transaction, the task row, the actions snapshot, one row per counted
// finding and one execution per (finding, action). The mitigation runner (src/mitigation/engine/engine.ts) does the
// work after the commit.
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

/**
 * The findings the target selects whose check is mapped (docs/decisions.md#m6), oldest first (docs/decisions.md#m30),
 * with suppression at now.
 */
async function selectFindings(ctx: RequestContext, target: Target, checks: Map<string, MappedCheck>) {
  let q = ctx.db
    .selectFrom('audit_findings as f')
    .select(['f.finding_id', 'f.task_id', 'f.check_name', 'f.finding_time', 'f.reason_code'])
    .select((eb) => eb.case().when(activeSuppression(eb, ctx.now)).then(1).else(0).end().as('suppressed'))
    .where('f.account_id', '=', ctx.accountId)
    .where('f.region', '=', ctx.region)
    .where('f.task_start_time', '>=', withinRetention(ctx))
    .where('f.check_name', 'in', [...checks.keys()])
    .orderBy('f.finding_time')
    .orderBy('f.finding_id');
  q = target.auditTaskId !== undefined ? q.where('f.task_id', '=', target.auditTaskId) : q.where('f.finding_id', 'in', target.findingIds!);
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

/**
 * The finding selection (docs/decisions.md#m6) at ctx.now, in processing order (docs/decisions.md#m30). Shared by
 * Start and the preview extension.
 */
export async function selectMitigationFindings(
  ctx: RequestContext,
  target: Target,
  checks: Map<string, MappedCheck>,
): Promise<SelectedFinding[]> {
  const filter = target.auditCheckToReasonCodeFilter;
  return (await selectFindings(ctx, target, checks)).map((f) => {
    const filterCodes = filter && Object.entries(filter).find(([name]) => canonicalCheckName(name) === f.check_name)?.[1];
    const filtered = filterCodes !== undefined && !filterCodes.includes(f.reason_code);
    const suppressed = !filtered && Number(f.suppressed) === 1;
    return {
      findingId: f.finding_id,
      auditTaskId: f.task_id,
      checkName: f.check_name,
      findingTime: Number(f.finding_time),
      mapped: checks.get(f.check_name)!,
      disposition: filtered ? 'FILTERED' : suppressed ? 'SUPPRESSED' : 'ACT',
    };
  });
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
  const findings: MitigationTaskFindingRow[] = [];
  const executions: MitigationExecutionRow[] = [];
  for (const f of await selectMitigationFindings(ctx, target, checks)) {
    const act = f.disposition === 'ACT';
    const suppressed = f.disposition === 'SUPPRESSED';
    findings.push({
      ...scope,
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
        ...scope,
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
  const nothingToDo = findings.every((f) => f.state === 'DONE');
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
      task_status: nothingToDo ? 'COMPLETED' : 'IN_PROGRESS',
      start_time: ctx.now,
      end_time: nothingToDo ? ctx.now : null,
    })
    .execute();
  await insertBatched(ctx, 'mitigation_task_findings', findings);
  await insertBatched(ctx, 'mitigation_executions', executions);
  if (!nothingToDo) wakeMitigationRunners();
  return { taskId };
}
