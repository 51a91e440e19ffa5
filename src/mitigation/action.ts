// The contract between the mitigation engine and the six action types (mitigation.md §7). The engine claims a
// finding, opens one transaction per execution, calls the action type's `apply` inside it and writes the outcome in
// the same transaction — so a registry change and its execution status always commit together. Action types never
// touch task or execution rows themselves.
import type { Transaction } from 'kysely';
import type { Database } from '../store/schema.js';
import type { AuditResource } from '../audit/checks/check.js';
import type { Clock } from '../kernel/clock.js';

export type MitigationActionType =
  | 'UPDATE_DEVICE_CERTIFICATE'
  | 'UPDATE_CA_CERTIFICATE'
  | 'ADD_THINGS_TO_THING_GROUP'
  | 'REPLACE_DEFAULT_POLICY_VERSION'
  | 'ENABLE_IOT_LOGGING'
  | 'PUBLISH_FINDING_TO_SNS';

/** The ActionParams member that selects each type (§2.1). */
export const PARAMS_MEMBER: Record<MitigationActionType, string> = {
  UPDATE_DEVICE_CERTIFICATE: 'updateDeviceCertificateParams',
  UPDATE_CA_CERTIFICATE: 'updateCACertificateParams',
  ADD_THINGS_TO_THING_GROUP: 'addThingsToThingGroupParams',
  REPLACE_DEFAULT_POLICY_VERSION: 'replaceDefaultPolicyVersionParams',
  ENABLE_IOT_LOGGING: 'enableIoTLoggingParams',
  PUBLISH_FINDING_TO_SNS: 'publishFindingToSnsParams',
};

/** An action as the task snapshotted it at start (§3.4): later edits or deletes do not reach the task. */
export interface ActionDefinition {
  name: string;
  id: string;
  roleArn: string;
  actionType: MitigationActionType;
  /** The ActionParams object, exactly one member set, e.g. `{ updateDeviceCertificateParams: { action: 'DEACTIVATE' } }`. */
  actionParams: Record<string, any>;
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

export type ExecutionErrorCode = 'INSUFFICIENT_PERMISSIONS' | 'INVALID_STATE_OF_RESOURCE';

export type ActionOutcome =
  /** Applied (or nothing needed doing). `undo`: the before-values of what changed, for the undo extension (§9.2). */
  | { status: 'COMPLETED'; message?: string; undo?: unknown }
  /** Not (fully) applied. Changes that could be made are still committed, with their `undo` [§7.2]. */
  | { status: 'FAILED'; errorCode: ExecutionErrorCode; message: string; undo?: unknown }
  /** Handed to the outbox (SNS): the execution stays IN_PROGRESS until the deliverer settles it (§7.3). */
  | { status: 'IN_PROGRESS' };

export interface MitigationActionImplementation {
  type: MitigationActionType;
  /** IAM actions the action's role needs (§7.1), for role enforcement [Dec M32]. */
  permissions: string[];
  apply(ctx: ActionContext): Promise<ActionOutcome>;
}
