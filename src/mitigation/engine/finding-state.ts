// A task finding and its executions as the engine changes them: loaded once per transaction, moved on in memory by
// the rules below (docs/decisions.md#m7, #m29), and saved with one statement per table for a whole batch. The batch
// runner and the SNS outbox settlement both move findings on with these functions, so there is one copy of the rules.
import type { Db } from '../../store/store.js';
import type { MitigationExecutionRow, MitigationTaskFindingRow } from '../../store/schema.js';
import type { ActionOutcome } from '../action.js';
import { updateRows } from '../../store/update-rows.js';

export type TaskKey = Pick<MitigationTaskFindingRow, 'account_id' | 'region' | 'task_id'>;
export type FindingKey = TaskKey & Pick<MitigationTaskFindingRow, 'finding_id'>;

/** A task's identity as one string, for maps keyed by task. */
export const taskKeyOf = (k: TaskKey): string => `${k.account_id}/${k.region}/${k.task_id}`;

/** One finding of a task with all its executions (in position order), and which of them this transaction changed. */
export interface FindingState {
  row: MitigationTaskFindingRow;
  executions: MitigationExecutionRow[];
  rowChanged: boolean;
  changedExecutions: Set<MitigationExecutionRow>;
}

/** A finding's outcome from its executions' statuses (docs/decisions.md#m29). */
function findingOutcome(statuses: string[]): 'SUCCEEDED' | 'FAILED' | 'SKIPPED' | 'CANCELED' {
  if (statuses.includes('FAILED')) return 'FAILED';
  if (statuses.includes('CANCELED')) return 'CANCELED';
  if (statuses.length > 0 && statuses.every((s) => s === 'SKIPPED')) return 'SKIPPED';
  return 'SUCCEEDED';
}

const inTask = <Q extends { where: (...a: any[]) => Q }>(q: Q, k: TaskKey): Q =>
  q.where('account_id', '=', k.account_id).where('region', '=', k.region).where('task_id', '=', k.task_id);

/**
 * The task's findings with these ids and their executions. `lock`: the finding rows are locked until the transaction
 * ends (PostgreSQL), so the claim a caller checks on them cannot be taken over meanwhile.
 */
export async function loadFindingStates(db: Db, task: TaskKey, findingIds: readonly string[], lock: boolean): Promise<Map<string, FindingState>> {
  const states = new Map<string, FindingState>();
  if (findingIds.length === 0) return states;
  let rows = inTask(db.selectFrom('mitigation_task_findings').selectAll(), task).where('finding_id', 'in', findingIds);
  if (lock) rows = rows.forUpdate();
  for (const row of await rows.execute()) states.set(row.finding_id, { row, executions: [], rowChanged: false, changedExecutions: new Set() });
  const executions = await inTask(db.selectFrom('mitigation_executions').selectAll(), task)
    .where('finding_id', 'in', [...states.keys()])
    .orderBy('finding_id')
    .orderBy('position')
    .execute();
  for (const e of executions) states.get(e.finding_id)?.executions.push(e);
  return states;
}

/** The execution at the finding's next_position. */
export function nextExecution(f: FindingState): MitigationExecutionRow | undefined {
  return f.executions.find((e) => e.position === f.row.next_position);
}

function changeExecution(f: FindingState, e: MitigationExecutionRow, values: Partial<MitigationExecutionRow>): void {
  Object.assign(e, values);
  f.changedExecutions.add(e);
}

function changeRow(f: FindingState, values: Partial<MitigationTaskFindingRow>): void {
  Object.assign(f.row, values);
  f.rowChanged = true;
}

/**
 * Moves a finding on after its execution at `completedPosition` became terminal: to its next PENDING execution
 * (READY), or DONE with its outcome when none is left (the rest canceled or skipped). `releaseClaim`: after an SNS
 * delivery nobody holds a claim any more, so the next execution may be taken at once.
 */
export function advance(f: FindingState, completedPosition: number, releaseClaim = false): 'READY' | 'DONE' {
  const next = f.executions.find((e) => e.position > completedPosition && e.status === 'PENDING');
  if (next) {
    changeRow(f, releaseClaim ? { state: 'READY', next_position: next.position, lease_until: 0 } : { state: 'READY', next_position: next.position });
    return 'READY';
  }
  changeRow(f, { state: 'DONE', outcome: findingOutcome(f.executions.map((e) => e.status)), next_position: completedPosition + 1 });
  return 'DONE';
}

/** After a failed execution, the finding's later PENDING executions are SKIPPED and the finding FAILED (#m7). */
function fail(f: FindingState, failedPosition: number, actionName: string, now: number): void {
  for (const e of f.executions)
    if (e.position > failedPosition && e.status === 'PENDING')
      changeExecution(f, e, { status: 'SKIPPED', end_time: now, message: `Skipped because action ${actionName} failed for this finding` });
  changeRow(f, { state: 'DONE', outcome: 'FAILED', next_position: failedPosition + 1 });
}

/**
 * Writes an execution's outcome and moves its finding on: 'continue' when the finding is READY for its next
 * execution, 'stop' when it is DONE or WAITING for SNS.
 */
export function recordOutcome(f: FindingState, e: MitigationExecutionRow, outcome: ActionOutcome, now: number): 'continue' | 'stop' {
  const undo = 'undo' in outcome && outcome.undo !== undefined ? JSON.stringify(outcome.undo) : null;
  switch (outcome.status) {
    case 'COMPLETED':
      changeExecution(f, e, { status: 'COMPLETED', start_time: now, end_time: now, message: outcome.message ?? null, undo });
      return advance(f, e.position) === 'READY' ? 'continue' : 'stop';
    case 'FAILED':
      changeExecution(f, e, { status: 'FAILED', start_time: now, end_time: now, error_code: outcome.errorCode, message: outcome.message.slice(0, 2048), undo });
      fail(f, e.position, e.action_name, now);
      return 'stop';
    case 'IN_PROGRESS':
      changeExecution(f, e, { status: 'IN_PROGRESS', start_time: now });
      changeRow(f, { state: 'WAITING' });
      return 'stop';
  }
}

/**
 * Settles an execution that waited for SNS: COMPLETED with `message`, or FAILED with the delivery's error; the
 * finding moves on (its next execution is READY at once) or ends.
 */
export function settleWaiting(
  f: FindingState,
  e: MitigationExecutionRow,
  now: number,
  result: { message: string } | { errorCode: string; reason: string },
): 'READY' | 'DONE' {
  if ('errorCode' in result) {
    changeExecution(f, e, { status: 'FAILED', end_time: now, error_code: result.errorCode, message: result.reason.slice(0, 2048) });
    fail(f, e.position, e.action_name, now);
    return 'DONE';
  }
  changeExecution(f, e, { status: 'COMPLETED', end_time: now, message: result.message });
  return advance(f, e.position, true);
}

const EXECUTION_COLUMNS = ['status', 'start_time', 'end_time', 'error_code', 'message', 'undo'] as const;
const FINDING_COLUMNS = ['state', 'outcome', 'next_position', 'lease_until'] as const;

/** Saves what changed in these findings of one task: one statement per table (per thousand rows). */
export async function saveFindingStates(db: Db, task: TaskKey, states: Iterable<FindingState>): Promise<void> {
  const executions: MitigationExecutionRow[] = [];
  const rows: MitigationTaskFindingRow[] = [];
  for (const f of states) {
    executions.push(...f.changedExecutions);
    if (f.rowChanged) rows.push(f.row);
    f.changedExecutions.clear();
    f.rowChanged = false;
  }
  const scope = { accountId: task.account_id, region: task.region };
  if (executions.length > 0)
    await updateRows(
      db,
      {
        table: 'mitigation_executions',
        ...scope,
        keys: ['task_id', 'finding_id', 'position'],
        columns: EXECUTION_COLUMNS,
        casts: { position: 'integer', start_time: 'bigint', end_time: 'bigint' },
      },
      executions,
    );
  if (rows.length > 0)
    await updateRows(
      db,
      {
        table: 'mitigation_task_findings',
        ...scope,
        keys: ['task_id', 'finding_id'],
        columns: FINDING_COLUMNS,
        casts: { next_position: 'integer', lease_until: 'bigint' },
      },
      rows,
    );
}

/**
 * Ends an IN_PROGRESS task whose findings are all DONE: FAILED if any finding failed, else COMPLETED
 * (docs/decisions.md#m7).
 */
export async function finishTaskIfDone(db: Db, k: TaskKey, now: number): Promise<void> {
  const open = await inTask(db.selectFrom('mitigation_task_findings').select('finding_id'), k).where('state', '!=', 'DONE').limit(1).executeTakeFirst();
  if (open) return;
  const failed = await inTask(db.selectFrom('mitigation_task_findings').select('finding_id'), k).where('outcome', '=', 'FAILED').limit(1).executeTakeFirst();
  await inTask(db.updateTable('mitigation_tasks'), k)
    .set({ task_status: failed ? 'FAILED' : 'COMPLETED', end_time: now })
    .where('task_status', '=', 'IN_PROGRESS')
    .execute();
}
