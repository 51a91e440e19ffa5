// The contract between the mitigation engine and the action types. The engine claims a batch of findings, opens one
// transaction for the batch, calls the action type's `apply` (or `applyBatch`) inside it and writes the outcomes in the
// same transaction — so a registry change and its execution status always commit together. Action types never touch task or execution rows
// themselves.
//
// Each action type is one module in ./actions that declares everything ddlocal needs to know about it (an
// ActionTypeModule); ./actions/index.ts lists the modules, and every table about action types is derived from that
// list. docs/recipes/add-a-mitigation-action.md walks through adding one.
import type { Transaction } from 'kysely';
import type { Database } from '../store/schema.js';
import type { AuditResource } from '../audit/checks/check.js';
import type { AuditCheckName } from '../audit/checks/index.js';
import type { RequestContext } from '../registry/context.js';
import type { Clock } from '../kernel/clock.js';
import type { MitigationActionType } from './actions/index.js';
import type { MitigationActionParams } from '../model/types.generated.js';
import type { PartResult } from './actions/restore.js';

export type { MitigationActionType } from './actions/index.js';

/** An action as the task snapshotted it at start: later edits or deletes do not reach the task. */
export interface ActionDefinition {
  name: string;
  id: string;
  roleArn: string;
  actionType: MitigationActionType;
  /** The ActionParams object, exactly one member set, e.g. `{ updateDeviceCertificateParams: { action: 'DEACTIVATE' } }`. */
  actionParams: MitigationActionParams;
}

/** The audit finding an execution acts on, as stored (findings never change). */
export interface FindingToMitigate {
  findingId: string;
  auditTaskId: string;
  /** Canonical check name. */
  checkName: string;
  severity: string;
  nonCompliantResource: AuditResource;
  relatedResources: AuditResource[];
  reasonForNonComplianceCode: string;
  reasonForNonCompliance: string;
  /** Epoch ms. */
  findingTime: number;
}

export interface ActionContext {
  /** The execution's transaction: every registry read and write goes through it. */
  db: Transaction<Database>;
  accountId: string;
  region: string;
  /** ddlocal's clock at the start of the execution (epoch ms), and the clock itself. */
  now: number;
  clock: Clock;
  /** The mitigation task's id. */
  taskId: string;
  finding: FindingToMitigate;
  action: ActionDefinition;
}

/** One IAM action an action type needs: a name alone means the action has no resource (IAM's `*`). */
export type Permission = string | { action: string; resources(ctx: ActionContext): string[] };

export type ExecutionErrorCode = 'INSUFFICIENT_PERMISSIONS' | 'INVALID_STATE_OF_RESOURCE';

/** `Undo` is the action type's undo record: the before-values of what it changed, stored with the execution. */
export type ActionOutcome<Undo = unknown> =
  /** Applied (or nothing needed doing). `undo`: what the undo extension needs to restore the before-values. */
  | { status: 'COMPLETED'; message?: string; undo?: Undo }
  /** Not (fully) applied. Changes that could be made are still committed, with their `undo`. */
  | { status: 'FAILED'; errorCode: ExecutionErrorCode; message: string; undo?: Undo }
  /** Handed to the outbox (SNS): the execution stays IN_PROGRESS until the deliverer settles it. */
  | { status: 'IN_PROGRESS' };

/**
 * How the preview extension predicts an action. `describeChange`: the action is applied in a transaction that is
 * rolled back, and its undo record (never null here) says what it would change — undefined for "nothing".
 * `withoutApplying`: the action's effect leaves ddlocal (an outbox message) and must not even be simulated; the
 * prediction is WOULD_CHANGE with this detail.
 */
export type PreviewRule<Undo> =
  | { describeChange(undo: Undo, action: ActionDefinition): string | undefined }
  | { withoutApplying(action: ActionDefinition): string };

/**
 * How the undo extension restores an execution. `restore`: the parts of the undo record, each put back only if the
 * resource still holds what the action wrote. `notUndoable`: why this type's effect cannot be taken back (the end of
 * the sentence "Action <name> …").
 */
export type UndoRule<Undo> =
  | { restore(rc: RequestContext, undo: Undo): Promise<PartResult[]> }
  | { notUndoable: string };

/** Everything ddlocal knows about one mitigation action type, declared by its module in ./actions. */
export interface ActionTypeModule<
  Type extends string = string,
  Member extends keyof MitigationActionParams = keyof MitigationActionParams,
  Params = any,
  Undo = any,
> {
  /** The MitigationActionType value, e.g. 'UPDATE_DEVICE_CERTIFICATE'. */
  type: Type;
  /** The member of the model's MitigationActionParams that selects this type, e.g. 'updateDeviceCertificateParams'.
   *  `ctx.action.actionParams[paramsMember]` holds the parameters when `apply` runs. */
  paramsMember: Member;
  /** The audit checks whose findings this type may act on; 'EVERY_CHECK' for a type that changes no resource. */
  appliesTo: readonly AuditCheckName[] | 'EVERY_CHECK';
  /**
   * IAM actions the action's role needs when role permissions are enforced, each on the resources the execution would
   * touch (`resources`), or on `*` for an action without resource-level permissions.
   */
  permissions: readonly Permission[];
  /**
   * Create/UpdateMitigationAction's rules for the params beyond what the model checks (the model has already
   * validated types, enums and lengths). Throws InvalidRequestException; `prefix` is "Mitigation action <name>".
   */
  checkParams?(params: Params, prefix: string): void;
  apply(ctx: ActionContext): Promise<ActionOutcome<Undo>>;
  /**
   * Optional: the outcomes `apply` would give the contexts one after another, in order, computed with set-based
   * statements (one read and one write for the whole batch instead of a few per execution). The contexts belong to one
   * task, one action and one transaction. A type that has it should implement `apply` as a batch of one, so the two
   * cannot drift.
   */
  applyBatch?(ctxs: readonly ActionContext[]): Promise<ActionOutcome<Undo>[]>;
  /**
   * The type's `apply`/`applyBatch` locks every row its decision rests on (SELECT … FOR UPDATE) before changing it, so
   * the engine may run its batches at READ COMMITTED on PostgreSQL: batches of several ddlocal processes then do not
   * abort each other as serialization failures. Without it the engine runs them SERIALIZABLE.
   */
  locksWhatItReads?: true;
  preview: PreviewRule<Undo>;
  undo: UndoRule<Undo>;
}

/** Identity, but keeps the type and member names as literal types, so the list of modules can derive the type union. */
export function defineActionType<const Type extends string, const Member extends keyof MitigationActionParams, Params, Undo>(
  module: ActionTypeModule<Type, Member, Params, Undo>,
): ActionTypeModule<Type, Member, Params, Undo> {
  return module;
}
