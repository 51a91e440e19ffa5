// One batch of claimed findings of one task, run in one transaction (docs/decisions.md#m36): re-check the claims
// (locked), apply the executions due, record every outcome and move every finding on, and commit it all together — so
// a process killed at any point either committed the batch's registry changes and its statuses, or neither, and its
// claims expire and are taken again (exactly once, per batch instead of per execution).
//
// Executions of one action run together, in finding order, through the action type's `applyBatch` when it has one
// (a few set-based statements for the whole batch) or its `apply` one after another. A finding whose execution
// completed and has another one PENDING goes on in the next round of the same batch, so mapping order holds within
// every finding. Across findings, executions of different actions in one round run action by action rather than
// finding by finding; findings of several workers were never ordered against each other either.
//
// An action that throws (a defect, not a resource's state) cannot be attributed to one execution when it ran as a
// batch: the runner then runs the batch again one execution at a time, and the execution that throws is recorded
// FAILED without being applied (ThrownBy, `failing`). An error of the database is not a defect: the store retries the
// transaction or reports the database unavailable, and the claims are taken again later.
import type { Transaction } from 'kysely';
import type { Clock } from '../../kernel/clock.js';
import type { AuditFindingRow, Database, MitigationExecutionRow, MitigationTaskFindingRow } from '../../store/schema.js';
import type { ActionContext, ActionDefinition, ActionOutcome, ActionTypeModule, FindingToMitigate } from '../action.js';
import { ACTION_IMPLEMENTATIONS } from '../actions/index.js';
import { fromJson } from '../../kernel/json.js';
import { roleDenial } from './role-permissions.js';
import { loadFindingStates, nextExecution, recordOutcome, saveFindingStates, advance, type FindingState, type TaskKey } from './finding-state.js';

/** An execution's identity within a task: the finding and the position. */
export const executionKey = (findingId: string, position: number) => `${findingId}#${position}`;

/**
 * Which action threw during a run of the batch: a whole batch of executions (through `applyBatch`), or one execution
 * (through `apply`). Recorded as it happens and read once the transaction has ended, because the store first decides
 * whether the error was the database failing (then the batch is retried as a whole) or a defect of the action.
 */
export type ThrownBy = { batch: true } | { findingId: string; position: number; actionName: string };

export interface BatchOptions {
  clock: Clock;
  /** The task's actions snapshot. */
  actions: readonly ActionDefinition[];
  enforceRolePermissions: boolean;
  /** Apply every execution alone through `apply` (after a batch threw), so a defect names its execution. */
  oneAtATime: boolean;
  /** Executions (executionKey) found defective on an earlier run of this batch: recorded FAILED, not applied. */
  failing: ReadonlyMap<string, ActionOutcome>;
  /** Set when an action throws (see ThrownBy). */
  thrown: { by?: ThrownBy };
  /** Told of each execution about to be applied (its executionKey and action type), for the in-progress metric. */
  started(key: string, actionType: string): void;
}

/** What a committed batch did, for metrics and the progress log. */
export interface BatchResult {
  executed: { key: string; actionType: string; status: string }[];
}

/** The audit finding as the action types read it (findings never change). */
export function findingToMitigate(f: AuditFindingRow): FindingToMitigate {
  return {
    findingId: f.finding_id,
    auditTaskId: f.task_id,
    checkName: f.check_name,
    severity: f.severity,
    nonCompliantResource: {
      resourceType: f.resource_type as FindingToMitigate['nonCompliantResource']['resourceType'],
      resourceIdentifier: fromJson(f.resource_identifier, {}),
      additionalInfo: fromJson<Record<string, string> | undefined>(f.additional_info, undefined),
    },
    relatedResources: fromJson(f.related_resources, []),
    reasonForNonComplianceCode: f.reason_code,
    reasonForNonCompliance: f.reason,
    findingTime: f.finding_time,
  };
}

function actionNamed(actions: readonly ActionDefinition[], name: string): ActionDefinition {
  const action = actions.find((a) => a.name === name);
  if (!action) throw new Error(`action ${name} is missing from the task's snapshot`);
  return action;
}

interface Due {
  state: FindingState;
  execution: MitigationExecutionRow;
}

/** Runs the claimed findings of one task (claims: the rows as claimed, with the claim's lease value). */
export async function runBatch(tx: Transaction<Database>, task: TaskKey, claims: readonly MitigationTaskFindingRow[], options: BatchOptions): Promise<BatchResult> {
  const result: BatchResult = { executed: [] };
  options.thrown.by = undefined; // the store may run this function more than once
  const leaseOf = new Map(claims.map((c) => [c.finding_id, Number(c.lease_until)]));
  const states = await loadFindingStates(tx, task, [...leaseOf.keys()], true);
  // Canceled meanwhile, or taken over by another worker after our lease expired: not ours any more.
  const held = [...states.values()]
    .filter((f) => f.row.state === 'READY' && Number(f.row.lease_until) === leaseOf.get(f.row.finding_id))
    .sort((a, b) => Number(a.row.finding_time) - Number(b.row.finding_time) || (a.row.finding_id < b.row.finding_id ? -1 : 1));
  if (held.length === 0) return result;
  const findings = new Map<string, FindingToMitigate>();
  for (const row of await tx
    .selectFrom('audit_findings')
    .selectAll()
    .where('account_id', '=', task.account_id)
    .where('region', '=', task.region)
    .where(
      'finding_id',
      'in',
      held.map((f) => f.row.finding_id),
    )
    .execute())
    findings.set(row.finding_id, findingToMitigate(row));

  const now = options.clock.now();
  let active = held;
  while (active.length > 0) {
    const due: Due[] = [];
    for (const state of active) {
      const execution = nextExecution(state);
      if (execution?.status === 'PENDING') due.push({ state, execution });
      // Its next execution ended otherwise (canceled): move on to a PENDING one after it, if any.
      else if (advance(state, state.row.next_position) === 'READY' && nextExecution(state)?.status === 'PENDING')
        due.push({ state, execution: nextExecution(state)! });
    }
    const keys = due.map((d) => executionKey(d.execution.finding_id, d.execution.position));
    const types = due.map((d) => actionNamed(options.actions, d.execution.action_name).actionType);
    due.forEach((_, i) => options.started(keys[i]!, types[i]!));
    const outcomes = await applyDue(tx, task, due, findings, now, options);
    active = [];
    due.forEach((d, i) => {
      result.executed.push({ key: keys[i]!, actionType: types[i]!, status: outcomes[i]!.status });
      if (recordOutcome(d.state, d.execution, outcomes[i]!, now) === 'continue') active.push(d.state);
    });
  }
  await saveFindingStates(tx, task, held);
  return result;
}

/** The outcome of every due execution, in the order given; executions of one action are applied together. */
async function applyDue(
  tx: Transaction<Database>,
  task: TaskKey,
  due: readonly Due[],
  findings: ReadonlyMap<string, FindingToMitigate>,
  now: number,
  options: BatchOptions,
): Promise<ActionOutcome[]> {
  const outcomes: ActionOutcome[] = new Array(due.length);
  const byAction = new Map<string, number[]>();
  due.forEach((d, i) => {
    if (!byAction.has(d.execution.action_name)) byAction.set(d.execution.action_name, []);
    byAction.get(d.execution.action_name)!.push(i);
  });
  for (const [actionName, indexes] of byAction) {
    const action = actionNamed(options.actions, actionName);
    const impl = ACTION_IMPLEMENTATIONS.get(action.actionType);
    if (!impl) throw new Error(`no implementation for action type ${action.actionType}`);
    const toApply: { index: number; ctx: ActionContext }[] = [];
    for (const i of indexes) {
      const { state, execution } = due[i]!;
      const findingId = state.row.finding_id;
      const known = options.failing.get(executionKey(findingId, execution.position));
      const finding = findings.get(findingId);
      if (known) outcomes[i] = known;
      else if (!finding)
        outcomes[i] = { status: 'FAILED', errorCode: 'INVALID_STATE_OF_RESOURCE', message: `Finding ${findingId} no longer exists (past its retention)` };
      else {
        const ctx: ActionContext = { db: tx, accountId: task.account_id, region: task.region, now, clock: options.clock, taskId: task.task_id, finding, action };
        const denial = options.enforceRolePermissions ? await roleDenial(ctx, impl.permissions) : undefined;
        if (denial) outcomes[i] = { status: 'FAILED', errorCode: 'INSUFFICIENT_PERMISSIONS', message: `Mitigation action ${action.name}: ${denial}` };
        else toApply.push({ index: i, ctx });
      }
    }
    const applied = await applyAll(impl, toApply, options, due);
    toApply.forEach(({ index }, j) => (outcomes[index] = applied[j]!));
  }
  return outcomes;
}

async function applyAll(
  impl: ActionTypeModule,
  items: readonly { index: number; ctx: ActionContext }[],
  options: BatchOptions,
  due: readonly Due[],
): Promise<ActionOutcome[]> {
  if (items.length === 0) return [];
  if (impl.applyBatch && !options.oneAtATime) {
    try {
      return await impl.applyBatch(items.map((item) => item.ctx));
    } catch (err) {
      options.thrown.by = { batch: true };
      throw err;
    }
  }
  const outcomes: ActionOutcome[] = [];
  for (const { index, ctx } of items) {
    try {
      outcomes.push(await impl.apply(ctx));
    } catch (err) {
      const { execution } = due[index]!;
      options.thrown.by = { findingId: execution.finding_id, position: execution.position, actionName: execution.action_name };
      throw err;
    }
  }
  return outcomes;
}
