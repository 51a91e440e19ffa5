// REPLACE_DEFAULT_POLICY_VERSION (docs/decisions.md#m9, #m13): adds a version holding the blank
// policy to the policy the finding names and makes it the default, with CreatePolicyVersion's own code (document
// rules, next version id, the 5-version limit). It acts even if the finding's version is no longer the default.
import { createPolicyVersion, deletePolicyVersion, findPolicy, setDefaultPolicyVersion } from '../../registry/policies.js';
import type { RequestContext } from '../../registry/context.js';
import { iotArn } from '../../kernel/arn.js';
import { defineActionType, type ActionContext, type ActionDefinition, type ActionOutcome } from '../action.js';
import { nothingToActOn, refusal, requestContext, withoutFinalPeriod } from './common.js';
import { changedPart, restore, type PartResult } from './restore.js';
import { scoped } from '../../store/scoped.js';

/** The only template (docs/decisions.md#m9): denies everything, and is a valid policy document. */
export const BLANK_POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iot:*","Resource":"*"}]}';

const TEMPLATES: Record<string, string> = { BLANK_POLICY };

/** Undo record: what the default was, and the version this execution created. */
export interface PolicyVersionUndo {
  policyName: string;
  previousDefaultVersionId: string;
  blankVersionId: string;
}

function failed(message: string): ActionOutcome<never> {
  return { status: 'FAILED', errorCode: 'INVALID_STATE_OF_RESOURCE', message };
}

function policyNameOf(ctx: ActionContext): string | undefined {
  const identifier = ctx.finding.nonCompliantResource.resourceIdentifier.policyVersionIdentifier as { policyName?: string } | undefined;
  return identifier?.policyName;
}

async function apply(ctx: ActionContext): Promise<ActionOutcome<PolicyVersionUndo>> {
  const policyName = policyNameOf(ctx);
  if (policyName === undefined) return nothingToActOn(ctx, 'IoT policy');
  const templateName = ctx.action.actionParams.replaceDefaultPolicyVersionParams?.templateName ?? '';
  const document = TEMPLATES[templateName];
  // Create/UpdateMitigationAction accept only the model's template names, so this guards a corrupted snapshot.
  if (document === undefined) return failed(`Mitigation action ${ctx.action.name} names unknown policy template ${templateName}`);
  const rc = requestContext(ctx);
  const policy = await findPolicy(rc, policyName);
  if (!policy) return failed(`Policy ${policyName} no longer exists`);
  let blankVersionId = '';
  const refused = await refusal(async () => {
    blankVersionId = (await createPolicyVersion(rc, policyName, document, true)).policyVersionId;
  });
  if (refused) return failed(`Policy ${policyName} cannot get a ${templateName} version: ${withoutFinalPeriod(refused.message)}`);
  const undo: PolicyVersionUndo = { policyName, previousDefaultVersionId: String(policy.default_version_id), blankVersionId };
  return {
    status: 'COMPLETED',
    message: `Policy ${policyName}: version ${blankVersionId} (${templateName}) is now the default, replacing version ${policy.default_version_id}`,
    undo,
  };
}

function describeChange(undo: PolicyVersionUndo, action: ActionDefinition): string {
  const template = action.actionParams.replaceDefaultPolicyVersionParams?.templateName ?? 'template';
  return `policy ${undo.policyName}: default version ${undo.previousDefaultVersionId} -> ${undo.blankVersionId} (${template})`;
}

/** Back to the previous default, and the blank version deleted — if the blank version is still the default. */
async function restorePreviousDefault(rc: RequestContext, undo: PolicyVersionUndo): Promise<PartResult[]> {
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

export const replaceDefaultPolicyVersion = defineActionType({
  type: 'REPLACE_DEFAULT_POLICY_VERSION',
  paramsMember: 'replaceDefaultPolicyVersionParams',
  appliesTo: ['IOT_POLICY_OVERLY_PERMISSIVE_CHECK', 'IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK'],
  permissions: [
    {
      action: 'iot:CreatePolicyVersion',
      resources: (ctx) => {
        const name = policyNameOf(ctx);
        return name === undefined ? [] : [iotArn(ctx, 'policy', name)];
      },
    },
  ],
  // The only parameter, `templateName`, is an enum of the templates above: the model checks it.
  apply,
  preview: { describeChange },
  undo: { restore: restorePreviousDefault },
});
