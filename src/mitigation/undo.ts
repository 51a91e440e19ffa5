// The undo extension (docs/decisions.md#m31): restores the before-values each execution of an ended task
// recorded (its `undo` column), newest change first, and only where the resource still holds exactly what the action
// wrote — undo never overwrites a later change. Each action type's module says how its changes are restored (through
// the registry's own functions). One transaction for the whole undo; an execution whose changes were restored is
// marked (undone_at) so a repeat is ALREADY_UNDONE.
import type { Store } from '../store/store.js';
import type { Clock } from '../kernel/clock.js';
import type { MitigationExecutionRow } from '../store/schema.js';
import type { ExtensionRequest, ExtensionRoute } from '../kernel/extension-route.js';
import type { RequestContext } from '../registry/context.js';
import { ApiError, invalidRequest, notFound } from '../kernel/errors.js';
import { shape } from '../model/model.js';
import { validateInput } from '../model/validate.js';
import { fromJson } from '../kernel/json.js';
import { RETENTION_MS } from '../audit/engine/engine.js';
import type { ActionDefinition } from './action.js';
import { ACTION_IMPLEMENTATIONS } from './actions/index.js';
import { joinWithin } from './actions/common.js';
import { scoped } from '../store/scoped.js';

export const UNDO_PREFIX = '/_ddlocal/audit/mitigationactions/tasks/';

export type UndoOutcome = 'RESTORED' | 'CHANGED_SINCE' | 'NOT_UNDOABLE' | 'ALREADY_UNDONE' | 'NOTHING_TO_UNDO';

interface UndoResult {
  findingId: string;
  actionName: string;
  outcome: UndoOutcome;
  message: string;
}

// ---------------------------------------------------------------------------------------------------------------
// The task

type Execution = Pick<MitigationExecutionRow, 'task_id' | 'finding_id' | 'position' | 'action_name' | 'status' | 'undo' | 'undone_at'>;

interface Attempt {
  result: UndoResult;
  /** Worth another pass: nothing was restored only because a later execution of this task still sits on top. */
  retry: boolean;
}

async function undoExecution(rc: RequestContext, e: Execution, action: ActionDefinition | undefined): Promise<Attempt> {
  const result = (outcome: UndoOutcome, message: string): Attempt => ({
    result: { findingId: e.finding_id, actionName: e.action_name, outcome, message },
    retry: false,
  });
  if (e.undone_at !== null && e.undone_at !== undefined) return result('ALREADY_UNDONE', `Undone at ${new Date(Number(e.undone_at)).toISOString()}`);
  if (!action) return result('NOT_UNDOABLE', `Mitigation action ${e.action_name} is missing from the task's actions snapshot`);
  const rule = ACTION_IMPLEMENTATIONS.get(action.actionType)?.undo;
  if (!rule) throw new Error(`no implementation for action type ${action.actionType}`);
  if ('notUndoable' in rule) return result('NOT_UNDOABLE', `Action ${e.action_name} ${rule.notUndoable}`);
  const parts = e.undo === null ? [] : await rule.restore(rc, fromJson<unknown>(e.undo, null));
  if (parts.length === 0)
    return result('NOTHING_TO_UNDO', `Action ${e.action_name} ${e.status === 'FAILED' ? 'failed without changing anything' : 'changed nothing'} for this finding`);
  const message = joinWithin(parts.map((p) => p.message));
  const restored = parts.filter((p) => p.restored).length;
  if (restored > 0) {
    await scoped(rc)
      .updateTable('mitigation_executions')
      .set({ undone_at: rc.now })
      .where('task_id', '=', e.task_id)
      .where('finding_id', '=', e.finding_id)
      .where('position', '=', e.position)
      .execute();
    return result(restored === parts.length ? 'RESTORED' : 'CHANGED_SINCE', message);
  }
  if (parts.some((p) => p.refused)) return result('NOT_UNDOABLE', message);
  return { ...result('CHANGED_SINCE', message), retry: true };
}

async function findEndedTask(rc: RequestContext, taskId: string) {
  const task = await scoped(rc)
    .selectFrom('mitigation_tasks')
    .select(['task_id', 'task_status', 'actions_definition'])
    .where('task_id', '=', taskId)
    .where('start_time', '>=', rc.now - RETENTION_MS)
    .executeTakeFirst();
  if (!task) throw notFound(`Audit mitigation actions task ${taskId} does not exist`);
  if (task.task_status === 'IN_PROGRESS')
    throw invalidRequest(`Audit mitigation actions task ${taskId} is IN_PROGRESS; undo it once it has ended (or cancel it first)`);
  return task;
}

/**
 * The executions that may have changed something, newest change first: by end time, then the reverse of the engine's
 * processing order (docs/decisions.md#m30); ddlocal's clock may be frozen, making end times equal.
 */
async function executionsToUndo(rc: RequestContext, taskId: string) {
  return rc.db
    .selectFrom('mitigation_executions as e')
    .innerJoin('mitigation_task_findings as f', (j) =>
      j
        .onRef('f.account_id', '=', 'e.account_id')
        .onRef('f.region', '=', 'e.region')
        .onRef('f.task_id', '=', 'e.task_id')
        .onRef('f.finding_id', '=', 'e.finding_id'),
    )
    .select(['e.task_id', 'e.finding_id', 'e.position', 'e.action_name', 'e.status', 'e.undo', 'e.undone_at'])
    .where('e.account_id', '=', rc.accountId)
    .where('e.region', '=', rc.region)
    .where('e.task_id', '=', taskId)
    // SKIPPED, CANCELED and PENDING executions never ran; IN_PROGRESS is an SNS message that may still go out.
    .where('e.status', 'in', ['COMPLETED', 'FAILED', 'IN_PROGRESS'])
    // An SNS execution still IN_PROGRESS has no end time yet: its start stands in, the same on both engines.
    .orderBy((eb) => eb.fn.coalesce('e.end_time', 'e.start_time'), 'desc')
    .orderBy('f.finding_time', 'desc')
    .orderBy('e.finding_id', 'desc')
    .orderBy('e.position', 'desc')
    .execute();
}

async function undoMitigationTask(rc: RequestContext, taskId: string) {
  const task = await findEndedTask(rc, taskId);
  const snapshot = fromJson<ActionDefinition[]>(task.actions_definition, []);
  const executions = await executionsToUndo(rc, taskId);
  const results: UndoResult[] = [];
  let waiting: number[] = [];
  for (const e of executions) {
    const attempt = await undoExecution(rc, e, snapshot.find((a) => a.name === e.action_name));
    if (attempt.retry) waiting.push(results.length);
    results.push(attempt.result);
  }
  // Several executions of one task can stack on one resource (two findings on one policy, processed by two workers
  // in either order): restoring one can uncover the next, so retry the blocked ones while that makes progress.
  for (let progress = true; progress && waiting.length > 0; ) {
    progress = false;
    const still: number[] = [];
    for (const i of waiting) {
      const e = executions[i]!;
      const attempt = await undoExecution(rc, e, snapshot.find((a) => a.name === e.action_name));
      results[i] = attempt.result;
      if (attempt.retry) still.push(i);
      else progress = true;
    }
    waiting = still;
  }
  return { taskId, results };
}

// ---------------------------------------------------------------------------------------------------------------
// The route

const TASK_ID_SHAPE = { type: 'structure' as const, required: ['taskId'], members: { taskId: { shape: 'MitigationActionsTaskId' } } };
shape('MitigationActionsTaskId'); // fails at load, not per request, if the model ever renames it

function taskIdOf(req: ExtensionRequest): string {
  const match = /^([^/]*)\/undo$/.exec(req.path.slice(UNDO_PREFIX.length));
  if (!match) throw new ApiError('UnknownOperationException', `No ddlocal endpoint matches ${req.method} ${req.path}`);
  let taskId: string;
  try {
    taskId = decodeURIComponent(match[1]!);
  } catch {
    throw invalidRequest(`The task id in ${req.path} is not valid percent-encoding`);
  }
  return validateInput('UndoAuditMitigationActionsTaskRequest', TASK_ID_SHAPE, { taskId }).taskId as string;
}

export function undoRoutes(store: Store, clock: Clock): ExtensionRoute[] {
  return [
    {
      method: 'POST',
      path: UNDO_PREFIX,
      action: 'ddlocal:UndoAuditMitigationActionsTask',
      handler: async (req) => {
        const taskId = taskIdOf(req);
        const body = await store.transaction((db) =>
          undoMitigationTask({ accountId: req.caller.accountId, region: req.caller.region, requestId: req.requestId, db, clock, now: clock.now() }, taskId),
        );
        return { body };
      },
    },
  ];
}
