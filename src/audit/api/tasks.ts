// StartOnDemandAuditTask, DescribeAuditTask, ListAuditTasks, CancelAuditTask. Evaluation itself happens in the audit
// runner (src/audit/engine/engine.ts), after the starting request has committed.
import type { HandlerTable, RequestContext } from '../../registry/context.js';
import type {
  AuditCheckRunStatus,
  AuditTaskStatus,
  AuditTaskType,
  CancelAuditTaskInput,
  CancelAuditTaskOutput,
  DescribeAuditTaskInput,
  DescribeAuditTaskOutput,
  ListAuditTasksInput,
  ListAuditTasksOutput,
  StartOnDemandAuditTaskInput,
  StartOnDemandAuditTaskOutput,
} from '../../model/types.generated.js';
import type { AuditTaskRow } from '../../store/schema.js';
import { invalidRequest, limitExceeded, notFound } from '../../kernel/errors.js';
import { decodeToken, DEFAULT_PAGE_SIZE, pageOf } from '../../kernel/pagination.js';
import { canonicalTargetChecks } from '../engine/catalogue.js';
import { createAuditTask, enabledCheckConfigurations, RETENTION_MS } from '../engine/engine.js';
import { notifyAuditTaskEnded } from '../engine/notification.js';
import { auditTaskDetails, type AuditCheckDetails } from '../engine/task-details.js';
import { requireEnabled } from './configuration.js';
import { scoped } from '../../store/scoped.js';

/** On-demand audits IN_PROGRESS per account and region: the AWS quota (docs/decisions.md#m20). */
const MAX_ON_DEMAND_IN_PROGRESS = 10;

/** A task of the caller's account within retention (docs/decisions.md#m20: purged ids behave as unknown); undefined
 *  otherwise. */
export async function findAuditTask(ctx: RequestContext, taskId: string): Promise<AuditTaskRow | undefined> {
  return scoped(ctx)
    .selectFrom('audit_tasks')
    .selectAll()
    .where('task_id', '=', taskId)
    .where('task_start_time', '>=', ctx.now - RETENTION_MS)
    .executeTakeFirst();
}

async function requireAuditTask(ctx: RequestContext, taskId: string): Promise<AuditTaskRow> {
  const task = await findAuditTask(ctx, taskId);
  if (!task) throw notFound(`Audit task ${taskId} does not exist`);
  return task;
}

async function startOnDemandAuditTask(
  input: StartOnDemandAuditTaskInput,
  ctx: RequestContext,
): Promise<StartOnDemandAuditTaskOutput> {
  const checks = canonicalTargetChecks(input.targetCheckNames);
  await requireEnabled(ctx, checks);
  const running = await scoped(ctx)
    .selectFrom('audit_tasks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('task_type', '=', 'ON_DEMAND_AUDIT_TASK')
    .where('task_status', '=', 'IN_PROGRESS')
    .executeTakeFirstOrThrow();
  if (Number(running.n) >= MAX_ON_DEMAND_IN_PROGRESS)
    throw limitExceeded(`${MAX_ON_DEMAND_IN_PROGRESS} on-demand audits are already in progress; wait for one to end`);
  const enabled = await enabledCheckConfigurations(ctx.db, ctx.accountId, ctx.region);
  const taskId = await createAuditTask(ctx.db, {
    accountId: ctx.accountId,
    region: ctx.region,
    taskType: 'ON_DEMAND_AUDIT_TASK',
    taskStartTime: ctx.now,
    checks,
    configurations: Object.fromEntries(checks.map((c) => [c, enabled[c] ?? {}])),
  });
  return { taskId };
}

function statistics(details: Map<string, AuditCheckDetails>) {
  const count = (status: AuditCheckRunStatus) =>
    [...details.values()].filter((d) => d.checkRunStatus === status).length;
  return {
    totalChecks: details.size,
    inProgressChecks: count('IN_PROGRESS'),
    waitingForDataCollectionChecks: 0, // never reported (docs/decisions.md#a35)
    compliantChecks: count('COMPLETED_COMPLIANT'),
    nonCompliantChecks: count('COMPLETED_NON_COMPLIANT'),
    failedChecks: count('FAILED'),
    canceledChecks: count('CANCELED'),
  };
}

async function describeAuditTask(input: DescribeAuditTaskInput, ctx: RequestContext): Promise<DescribeAuditTaskOutput> {
  const task = await requireAuditTask(ctx, input.taskId);
  const details = await auditTaskDetails(ctx.db, task, ctx.now);
  return {
    taskStatus: task.task_status as AuditTaskStatus,
    taskType: task.task_type as AuditTaskType,
    taskStartTime: task.task_start_time,
    scheduledAuditName: task.scheduled_audit_name ?? undefined,
    taskStatistics: statistics(details),
    auditDetails: Object.fromEntries(details),
  };
}

async function listAuditTasks(input: ListAuditTasksInput, ctx: RequestContext): Promise<ListAuditTasksOutput> {
  const start = input.startTime.getTime();
  const end = input.endTime.getTime();
  if (end < start) throw invalidRequest('endTime must not be before startTime');
  if (start < ctx.now - RETENTION_MS)
    throw invalidRequest('startTime must be within the last 90 days: older audit tasks are not retained');
  const filters = { start, end, taskType: input.taskType, taskStatus: input.taskStatus };
  const pageSize: number = input.maxResults ?? DEFAULT_PAGE_SIZE;
  let q = scoped(ctx)
    .selectFrom('audit_tasks')
    .select(['task_id', 'task_status', 'task_type', 'task_start_time'])
    .where('task_start_time', '>=', start)
    .where('task_start_time', '<=', end)
    .orderBy('task_start_time', 'desc')
    .orderBy('task_id', 'desc')
    .limit(pageSize + 1);
  if (filters.taskType !== undefined) q = q.where('task_type', '=', filters.taskType);
  if (filters.taskStatus !== undefined) q = q.where('task_status', '=', filters.taskStatus);
  if (input.nextToken !== undefined) {
    const [t, id] = decodeToken('ListAuditTasks', filters, input.nextToken) as [number, string];
    q = q.where((eb) => eb.or([eb('task_start_time', '<', t), eb.and([eb('task_start_time', '=', t), eb('task_id', '<', id)])]));
  }
  const page = pageOf(await q.execute(), pageSize, 'ListAuditTasks', filters, (r) => [r.task_start_time, r.task_id]);
  return {
    tasks: page.items.map((r) => ({
      taskId: r.task_id,
      taskStatus: r.task_status as AuditTaskStatus,
      taskType: r.task_type as AuditTaskType,
    })),
    nextToken: page.next,
  };
}

async function cancelAuditTask(input: CancelAuditTaskInput, ctx: RequestContext): Promise<CancelAuditTaskOutput> {
  const task = await requireAuditTask(ctx, input.taskId);
  if (task.task_status !== 'IN_PROGRESS')
    throw invalidRequest(`Audit task ${task.task_id} is ${task.task_status}; only an IN_PROGRESS task can be canceled`);
  // Checks already finished keep their results and findings.
  await scoped(ctx)
    .updateTable('audit_task_checks')
    .set({ status: 'CANCELED' })
    .where('task_id', '=', task.task_id)
    .where('status', '=', 'IN_PROGRESS')
    .execute();
  await scoped(ctx)
    .updateTable('audit_tasks')
    .set({ task_status: 'CANCELED' })
    .where('task_id', '=', task.task_id)
    .execute();
  await notifyAuditTaskEnded(ctx.db, task, 'CANCELED', ctx.now);
  return {};
}

export const auditTaskHandlers = {
  StartOnDemandAuditTask: startOnDemandAuditTask,
  DescribeAuditTask: describeAuditTask,
  ListAuditTasks: listAuditTasks,
  CancelAuditTask: cancelAuditTask,
} satisfies HandlerTable;
