// The mitigation action types: one module each in this folder, registered by one line in ACTION_TYPES below. Every
// table about action types — the type union, the ActionParams member of each type, which checks each may act on —
// is derived from this list, and so are parameter validation, preview and undo (docs/recipes/add-a-mitigation-action.md).
import type { ActionTypeModule } from '../action.js';
import { updateDeviceCertificate } from './update-device-certificate.js';
import { updateCaCertificate } from './update-ca-certificate.js';
import { addThingsToThingGroup } from './add-things-to-thing-group.js';
import { replaceDefaultPolicyVersion } from './replace-default-policy-version.js';
import { enableIoTLogging } from './enable-iot-logging.js';
import { publishFindingToSns } from './publish-finding-to-sns.js';

export { MITIGATION_EXECUTION_ORIGIN } from './publish-finding-to-sns.js';

export const ACTION_TYPES = [
  updateDeviceCertificate,
  updateCaCertificate,
  addThingsToThingGroup,
  replaceDefaultPolicyVersion,
  enableIoTLogging,
  publishFindingToSns,
] as const;

export type MitigationActionType = (typeof ACTION_TYPES)[number]['type'];

/** The action type modules by type name: the engine, preview and undo look up a snapshot's actionType here. */
export const ACTION_IMPLEMENTATIONS: ReadonlyMap<MitigationActionType, ActionTypeModule> = new Map(ACTION_TYPES.map((module) => [module.type, module]));

/** The ActionParams member that selects each type. */
export const PARAMS_MEMBER = Object.fromEntries(ACTION_TYPES.map((module) => [module.type, module.paramsMember])) as Readonly<
  Record<MitigationActionType, (typeof ACTION_TYPES)[number]['paramsMember']>
>;

/** Whether findings of `checkName` (canonical) may be mitigated by an action of `actionType`. */
export function actionTypeAllowed(checkName: string, actionType: string): boolean {
  const appliesTo = ACTION_IMPLEMENTATIONS.get(actionType as MitigationActionType)?.appliesTo;
  return appliesTo === 'EVERY_CHECK' || (appliesTo ?? []).some((name) => name === checkName);
}
