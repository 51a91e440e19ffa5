// Reading and canceling audit mitigation actions tasks: DescribeAuditMitigationActionsTask,
// ListAuditMitigationActionsTasks, ListAuditMitigationActionsExecutions, CancelAuditMitigationActionsTask.
// StartAuditMitigationActionsTask is in src/mitigation/api/task-start.ts; the work itself in
// src/mitigation/engine/engine.ts.
import type { HandlerTable, RequestContext } from '../../registry/context.js';
import type {
  CancelAuditMitigationActionsTaskInput,
  CancelAuditMitigationActionsTaskOutput,
  DescribeAuditMitigationActionsTaskInput,
  DescribeAuditMitigationActionsTaskOutput,
  ListAuditMitigationActionsExecutionsInput,
  ListAuditMitigationActionsExecutionsOutput,
  ListAuditMitigationActionsTasksInput,
  ListAuditMitigationActionsTasksOutput,
} from '../../model/types.generated.js';
import type { MitigationTaskRow } from '../../store/schema.js';
import { invalidRequest, notFound } from '../../kernel/errors.js';
import { decodeToken, DEFAULT_PAGE_SIZE, pageOf } from '../../kernel/pagination.js';
import { fromJson } from '../../kernel/json.js';
import { RETENTION_MS } from '../../audit/engine/engine.js';
import type { ActionDefinition } from '../action.js';
import { startAuditMitigationActionsTask } from './task-start.js';
import { scoped } from '../../store/scoped.js';

async function findTask(ctx: RequestContext, taskId: string): Promise<MitigationTaskRow | undefined> {
  return scoped(ctx)
    .selectFrom('mitigation_tasks')
    .selectAll()
    .where('task_id', '=', taskId)
    .where('start_time', '>=', ctx.now - RETENTION_MS)
    .executeTakeFirst();
}

interface CheckStatistics {
  totalFindingsCount: number;
  failedFindingsCount: number;
  succeededFindingsCount: number;
  skippedFindingsCount: number;
  canceledFindingsCount: number;
}

/** Per mapped check (caller spelling), counted from the task's findings and their outcomes (docs/decisions.md#m29). */
async function taskStatistics(ctx: RequestContext, task: MitigationTaskRow): Promise<Record<string, CheckStatistics>> {
  const rows = await ctx.db
    .selectFrom('mitigation_task_findings')
    .select((eb) => ['check_name', 'outcome', eb.fn.countAll<number>().as('n')])
    .where('account_id', '=', task.account_id)
    .where('region', '=', task.region)
    .where('task_id', '=', task.task_id)
    .groupBy(['check_name', 'outcome'])
    .execute();
  const stats: Record<string, CheckStatistics> = {};
  // Every mapped check appears, with zeros when nothing was counted for it (docs/decisions.md#m5).
  for (const name of Object.keys(fromJson<Record<string, string[]>>(task.actions_mapping, {})))
    stats[name] = { totalFindingsCount: 0, failedFindingsCount: 0, succeededFindingsCount: 0, skippedFindingsCount: 0, canceledFindingsCount: 0 };
  for (const r of rows) {
    const s = stats[r.check_name];
    if (!s) continue;
    const n = Number(r.n);
    s.totalFindingsCount += n;
    if (r.outcome === 'FAILED') s.failedFindingsCount += n;
    if (r.outcome === 'SUCCEEDED') s.succeededFindingsCount += n;
    if (r.outcome === 'SKIPPED') s.skippedFindingsCount += n;
    if (r.outcome === 'CANCELED') s.canceledFindingsCount += n;
  }
  return stats;
}

async function describeAuditMitigationActionsTask(
  input: DescribeAuditMitigationActionsTaskInput,
  ctx: RequestContext,
): Promise<DescribeAuditMitigationActionsTaskOutput> {
  const task = await findTask(ctx, input.taskId);
  if (!task) throw notFound(`Audit mitigation actions task ${input.taskId} does not exist`);
  return {
    taskStatus: task.task_status,
    startTime: task.start_time,
    endTime: task.end_time ?? undefined,
    taskStatistics: await taskStatistics(ctx, task),
    target: fromJson(task.target, {}),
    auditCheckToActionsMapping: fromJson(task.actions_mapping, {}),
    actionsDefinition: fromJson<ActionDefinition[]>(task.actions_definition, []).map((a) => ({
      name: a.name,
      id: a.id,
      roleArn: a.roleArn,
      actionParams: a.actionParams,
    })),
  };
}

async function listAuditMitigationActionsTasks(
  input: ListAuditMitigationActionsTasksInput,
  ctx: RequestContext,
): Promise<ListAuditMitigationActionsTasksOutput> {
  const start = input.startTime.getTime();
  const end = input.endTime.getTime();
  if (end < start) throw invalidRequest('endTime must not be before startTime');
  if (start < ctx.now - RETENTION_MS)
    throw invalidRequest('startTime must be within the last 90 days: older audit mitigation actions tasks are not retained');
  const filters = { start, end, taskStatus: input.taskStatus, auditTaskId: input.auditTaskId, findingId: input.findingId };
  const pageSize: number = input.maxResults ?? DEFAULT_PAGE_SIZE;
  let q = ctx.db
    .selectFrom('mitigation_tasks as t')
    .select(['t.task_id', 't.start_time', 't.task_status'])
    .where('t.account_id', '=', ctx.accountId)
    .where('t.region', '=', ctx.region)
    .where('t.start_time', '>=', start)
    .where('t.start_time', '<=', end)
    .orderBy('t.start_time', 'desc')
    .orderBy('t.task_id', 'desc')
    .limit(pageSize + 1);
  if (filters.taskStatus !== undefined) q = q.where('t.task_status', '=', filters.taskStatus);
  const countedFindings = (eb: any) =>
    eb
      .selectFrom('mitigation_task_findings as f')
      .select('f.finding_id')
      .whereRef('f.account_id', '=', 't.account_id')
      .whereRef('f.region', '=', 't.region')
      .whereRef('f.task_id', '=', 't.task_id');
  // Tasks targeting the audit, and findingIds tasks that counted one of its findings (docs/decisions.md#m35).
  const { auditTaskId, findingId } = filters;
  if (auditTaskId !== undefined)
    q = q.where((eb) =>
      eb.or([
        eb('t.target_audit_task_id', '=', auditTaskId),
        eb.exists(countedFindings(eb).where('f.audit_task_id', '=', auditTaskId)),
      ]),
    );
  if (findingId !== undefined)
    q = q.where((eb) => eb.exists(countedFindings(eb).where('f.finding_id', '=', findingId)));
  if (input.nextToken !== undefined) {
    const [t, id] = decodeToken('ListAuditMitigationActionsTasks', filters, input.nextToken) as [number, string];
    q = q.where((eb) => eb.or([eb('t.start_time', '<', t), eb.and([eb('t.start_time', '=', t), eb('t.task_id', '<', id)])]));
  }
  const page = pageOf(await q.execute(), pageSize, 'ListAuditMitigationActionsTasks', filters, (r) => [r.start_time, r.task_id]);
  return {
    tasks: page.items.map((r) => ({ taskId: r.task_id, startTime: r.start_time, taskStatus: r.task_status })),
    nextToken: page.next,
  };
}

async function listAuditMitigationActionsExecutions(
  input: ListAuditMitigationActionsExecutionsInput,
  ctx: RequestContext,
): Promise<ListAuditMitigationActionsExecutionsOutput> {
  const task = await findTask(ctx, input.taskId);
  if (!task) throw invalidRequest(`Audit mitigation actions task ${input.taskId} does not exist`);
  const filters = { taskId: task.task_id, findingId: input.findingId, actionStatus: input.actionStatus };
  const pageSize: number = input.maxResults ?? DEFAULT_PAGE_SIZE;
  let q = scoped(ctx)
    .selectFrom('mitigation_executions')
    .selectAll()
    .where('task_id', '=', task.task_id)
    .where('finding_id', '=', input.findingId)
    .orderBy('position')
    .limit(pageSize + 1);
  if (filters.actionStatus !== undefined) q = q.where('status', '=', filters.actionStatus);
  if (input.nextToken !== undefined) {
    const [position] = decodeToken('ListAuditMitigationActionsExecutions', filters, input.nextToken) as [number];
    q = q.where('position', '>', position);
  }
  const page = pageOf(await q.execute(), pageSize, 'ListAuditMitigationActionsExecutions', filters, (r) => [r.position]);
  return {
    actionsExecutions: page.items.map((e) => ({
      taskId: e.task_id,
      findingId: e.finding_id,
      actionName: e.action_name,
      actionId: e.action_id,
      status: e.status,
      startTime: e.start_time ?? undefined,
      endTime: e.end_time ?? undefined,
      errorCode: e.error_code ?? undefined,
      message: e.message ?? undefined,
    })),
    nextToken: page.next,
  };
}

async function cancelAuditMitigationActionsTask(
  input: CancelAuditMitigationActionsTaskInput,
  ctx: RequestContext,
): Promise<CancelAuditMitigationActionsTaskOutput> {
  const task = await findTask(ctx, input.taskId);
  if (!task) throw notFound(`Audit mitigation actions task ${input.taskId} does not exist`);
  if (task.task_status !== 'IN_PROGRESS')
    throw invalidRequest(`Audit mitigation actions task ${task.task_id} is ${task.task_status}; only an IN_PROGRESS task can be canceled`);
  const scoped = (q: any) => q.where('account_id', '=', ctx.accountId).where('region', '=', ctx.region).where('task_id', '=', task.task_id);
  // PENDING executions never start; IN_PROGRESS ones (SNS in flight) finish normally; nothing is rolled back
  // (docs/decisions.md#m7).
  await scoped(ctx.db.updateTable('mitigation_executions'))
    .set({ status: 'CANCELED', end_time: ctx.now, message: 'Task was canceled' })
    .where('status', '=', 'PENDING')
    .execute();
  // A READY finding's next execution was PENDING and is now CANCELED, and none failed (a failure ends the finding):
  // its outcome is CANCELED (docs/decisions.md#m29). WAITING findings settle when their SNS message does.
  await scoped(ctx.db.updateTable('mitigation_task_findings')).set({ state: 'DONE', outcome: 'CANCELED' }).where('state', '=', 'READY').execute();
  await scoped(ctx.db.updateTable('mitigation_tasks')).set({ task_status: 'CANCELED', end_time: ctx.now }).execute();
  return {};
}

export const mitigationTaskHandlers = {
  StartAuditMitigationActionsTask: startAuditMitigationActionsTask,
  DescribeAuditMitigationActionsTask: describeAuditMitigationActionsTask,
  ListAuditMitigationActionsTasks: listAuditMitigationActionsTasks,
  ListAuditMitigationActionsExecutions: listAuditMitigationActionsExecutions,
  CancelAuditMitigationActionsTask: cancelAuditMitigationActionsTask,
} satisfies HandlerTable;
