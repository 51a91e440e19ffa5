// The undo extension (mitigation.md §9.2, Dec M31): restores the before-values each execution of an ended task
// recorded (its `undo` column), newest change first, and only where the resource still holds exactly what the action
// wrote — undo never overwrites a later change. Restores go through the registry's own functions. One transaction
// for the whole undo; an execution whose changes were restored is marked (undone_at) so a repeat is ALREADY_UNDONE.
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
import { findCertificate, setCertificateStatus } from '../registry/certificates.js';
import { findCaCertificate, updateCaCertificate } from '../registry/ca-certificates.js';
import { removeThingFromStaticGroup } from '../registry/thing-group-membership.js';
import { deletePolicyVersion, findPolicy, setDefaultPolicyVersion } from '../registry/policies.js';
import { readV2LoggingOptions, sameV2Options, writeV2LoggingOptions } from '../registry/logging.js';
import type { ActionDefinition } from './action.js';
import { joinWithin, refusal, withoutFinalPeriod } from './actions/common.js';
import type { DeviceCertificateUndo } from './actions/update-device-certificate.js';
import type { CaCertificateUndo } from './actions/update-ca-certificate.js';
import type { AddThingsUndo } from './actions/add-things-to-thing-group.js';
import type { PolicyVersionUndo } from './actions/replace-default-policy-version.js';
import type { LoggingUndo } from './actions/enable-iot-logging.js';
import { scoped } from '../store/scoped.js';

export const UNDO_PREFIX = '/_ddlocal/audit/mitigationactions/tasks/';

export type UndoOutcome = 'RESTORED' | 'CHANGED_SINCE' | 'NOT_UNDOABLE' | 'ALREADY_UNDONE' | 'NOTHING_TO_UNDO';

interface UndoResult {
  findingId: string;
  actionName: string;
  outcome: UndoOutcome;
  message: string;
}

/** One restorable value of an execution (a certificate, a membership, …) and what became of it. */
interface PartResult {
  restored: boolean;
  /** A registry rule refused the restore (not a later change): the value cannot be put back. */
  refused?: boolean;
  message: string;
}

const restoredPart = (message: string): PartResult => ({ restored: true, message });
const changedPart = (message: string): PartResult => ({ restored: false, message });

/** Runs a registry restore; an ApiError (a registry rule) becomes a refused part instead of failing the whole undo. */
async function restore(what: string, change: () => Promise<unknown>, done: string): Promise<PartResult> {
  const refused = await refusal(change);
  if (refused) return { restored: false, refused: true, message: `${what} cannot be restored: ${withoutFinalPeriod(refused.message)}` };
  return restoredPart(done);
}

// ---------------------------------------------------------------------------------------------------------------
// Per action type: the parts of an undo record, each restored only if it still holds what the action wrote

async function undoDeviceCertificates(rc: RequestContext, undo: DeviceCertificateUndo): Promise<PartResult[]> {
  const parts: PartResult[] = [];
  for (const c of undo.certificates) {
    const cert = await findCertificate(rc, c.certificateId);
    if (!cert) parts.push(changedPart(`Device certificate ${c.certificateId} no longer exists`));
    else if (cert.status !== c.newStatus)
      parts.push(changedPart(`Device certificate ${c.certificateId} is ${cert.status}, no longer ${c.newStatus} as the action left it`));
    else
      parts.push(
        await restore(
          `Device certificate ${c.certificateId}`,
          () => setCertificateStatus(rc, c.certificateId, c.previousStatus),
          `Device certificate ${c.certificateId} restored to ${c.previousStatus}`,
        ),
      );
  }
  return parts;
}

async function undoCaCertificate(rc: RequestContext, undo: CaCertificateUndo): Promise<PartResult[]> {
  const id = undo.caCertificateId;
  const ca = await findCaCertificate(rc, id);
  if (!ca) return [changedPart(`CA certificate ${id} no longer exists`)];
  if (ca.status !== undo.newStatus) return [changedPart(`CA certificate ${id} is ${ca.status}, no longer ${undo.newStatus} as the action left it`)];
  return [
    await restore(
      `CA certificate ${id}`,
      () => updateCaCertificate(rc, id, { status: undo.previousStatus }),
      `CA certificate ${id} restored to ${undo.previousStatus}`,
    ),
  ];
}

async function isStaticMember(rc: RequestContext, thingName: string, groupName: string): Promise<boolean> {
  const row = await rc.db
    .selectFrom('thing_group_members as m')
    .innerJoin('thing_groups as g', (j) =>
      j.onRef('g.account_id', '=', 'm.account_id').onRef('g.region', '=', 'm.region').onRef('g.group_name', '=', 'm.group_name'),
    )
    .select('m.thing_name')
    .where('m.account_id', '=', rc.accountId)
    .where('m.region', '=', rc.region)
    .where('m.group_name', '=', groupName)
    .where('m.thing_name', '=', thingName)
    .where('g.is_dynamic', '=', 0)
    .executeTakeFirst();
  return row !== undefined;
}

/** Removes the memberships the action created; memberships that existed before were never recorded, so they stay. */
async function undoMemberships(rc: RequestContext, undo: AddThingsUndo): Promise<PartResult[]> {
  const parts: PartResult[] = [];
  for (const m of undo.memberships) {
    if (!(await isStaticMember(rc, m.thingName, m.groupName)))
      parts.push(changedPart(`Thing ${m.thingName} is no longer in static thing group ${m.groupName}`));
    else
      parts.push(
        await restore(
          `Membership of thing ${m.thingName} in thing group ${m.groupName}`,
          // The removal refreshes the thing's dynamic memberships, so a dynamic group it left to make room can take it back.
          () => removeThingFromStaticGroup(rc, m.thingName, m.groupName),
          `Thing ${m.thingName} removed from thing group ${m.groupName}`,
        ),
      );
  }
  return parts;
}

async function undoPolicyVersion(rc: RequestContext, undo: PolicyVersionUndo): Promise<PartResult[]> {
  const { policyName, previousDefaultVersionId: previous, blankVersionId: blank } = undo;
  const policy = await findPolicy(rc, policyName);
  if (!policy) return [changedPart(`Policy ${policyName} no longer exists`)];
  if (String(policy.default_version_id) !== blank)
    return [changedPart(`Policy ${policyName}'s default version is ${policy.default_version_id}, no longer version ${blank} that the action created`)];
  const exists = await scoped(rc)
    .selectFrom('policy_versions')
    .select('version_id')
    .where('policy_name', '=', policyName)
    .where('version_id', '=', Number(previous))
    .executeTakeFirst();
  if (!exists) return [changedPart(`Policy ${policyName}'s previous default version ${previous} no longer exists`)];
  return [
    await restore(
      `Policy ${policyName}`,
      async () => {
        await setDefaultPolicyVersion(rc, policyName, Number(previous));
        await deletePolicyVersion(rc, policyName, blank);
      },
      `Policy ${policyName}: default version back to ${previous}; version ${blank} deleted`,
    ),
  ];
}

async function undoLogging(rc: RequestContext, undo: LoggingUndo): Promise<PartResult[]> {
  if (sameV2Options(undo.previous ?? undefined, undo.applied)) return [];
  const current = await readV2LoggingOptions(rc);
  if (!sameV2Options(current, undo.applied))
    return [changedPart(`V2 logging options of account ${rc.accountId}, region ${rc.region} were changed after the action`)];
  await writeV2LoggingOptions(rc, undo.previous ?? undefined);
  return [
    restoredPart(
      undo.previous === null
        ? `V2 logging options of account ${rc.accountId}, region ${rc.region} back to not configured`
        : `V2 logging options of account ${rc.accountId}, region ${rc.region} restored`,
    ),
  ];
}

function partsOf(rc: RequestContext, action: ActionDefinition, undo: unknown): Promise<PartResult[]> {
  switch (action.actionType) {
    case 'UPDATE_DEVICE_CERTIFICATE':
      return undoDeviceCertificates(rc, undo as DeviceCertificateUndo);
    case 'UPDATE_CA_CERTIFICATE':
      return undoCaCertificate(rc, undo as CaCertificateUndo);
    case 'ADD_THINGS_TO_THING_GROUP':
      return undoMemberships(rc, undo as AddThingsUndo);
    case 'REPLACE_DEFAULT_POLICY_VERSION':
      return undoPolicyVersion(rc, undo as PolicyVersionUndo);
    case 'ENABLE_IOT_LOGGING':
      return undoLogging(rc, undo as LoggingUndo);
    case 'PUBLISH_FINDING_TO_SNS':
      return Promise.resolve([]);
  }
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
  if (action.actionType === 'PUBLISH_FINDING_TO_SNS')
    return result('NOT_UNDOABLE', `Action ${e.action_name} publishes to SNS; a published message cannot be taken back`);
  const parts = e.undo === null ? [] : await partsOf(rc, action, fromJson<unknown>(e.undo, null));
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
 * processing order [Dec M30] (ddlocal's clock may be frozen, making end times equal).
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

export async function undoMitigationTask(rc: RequestContext, taskId: string) {
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
