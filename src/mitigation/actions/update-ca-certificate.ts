// UPDATE_CA_CERTIFICATE (docs/decisions.md#m34): deactivates the finding's CA certificate through
// the registry's updateCaCertificate, as UpdateCACertificate does. Already INACTIVE is success without a change; a deleted CA fails.
import { findCaCertificate, updateCaCertificate as changeCaCertificate } from '../../registry/ca-certificates.js';
import type { RequestContext } from '../../registry/context.js';
import { iotArn } from '../../kernel/arn.js';
import { defineActionType, type ActionContext, type ActionOutcome } from '../action.js';
import { nothingToActOn, refusal, requestContext, withoutFinalPeriod } from './common.js';
import { changedPart, restore, type PartResult } from './restore.js';

/** Undo record: present when the status changed. */
export interface CaCertificateUndo {
  caCertificateId: string;
  previousStatus: string;
  newStatus: 'INACTIVE';
}

const TARGET_STATUS = 'INACTIVE';

function failed(message: string): ActionOutcome<never> {
  return { status: 'FAILED', errorCode: 'INVALID_STATE_OF_RESOURCE', message };
}

/** The CA certificate a finding is about, as an ARN (none when the finding names no CA certificate). */
function caCertificateArns(ctx: ActionContext): string[] {
  const resource = ctx.finding.nonCompliantResource;
  const id = String(resource.resourceIdentifier.caCertificateId ?? '').toLowerCase();
  return resource.resourceType === 'CA_CERTIFICATE' && id !== '' ? [iotArn(ctx, 'cacert', id)] : [];
}

async function apply(ctx: ActionContext): Promise<ActionOutcome<CaCertificateUndo>> {
  const resource = ctx.finding.nonCompliantResource;
  const id = String(resource.resourceIdentifier.caCertificateId ?? '').toLowerCase();
  if (resource.resourceType !== 'CA_CERTIFICATE' || id === '') return nothingToActOn(ctx, 'CA certificate');
  const rc = requestContext(ctx);
  const ca = await findCaCertificate(rc, id);
  if (!ca) return failed(`CA certificate ${id} no longer exists`);
  if (ca.status === TARGET_STATUS) return { status: 'COMPLETED', message: `CA certificate ${id} was already INACTIVE` };
  const refused = await refusal(() => changeCaCertificate(rc, id, { status: TARGET_STATUS }));
  if (refused) return failed(`CA certificate ${id} cannot be deactivated: ${withoutFinalPeriod(refused.message)}`);
  const undo: CaCertificateUndo = { caCertificateId: id, previousStatus: ca.status, newStatus: TARGET_STATUS };
  return { status: 'COMPLETED', message: `CA certificate ${id} deactivated (was ${ca.status})`, undo };
}

async function restoreCaCertificate(rc: RequestContext, undo: CaCertificateUndo): Promise<PartResult[]> {
  const id = undo.caCertificateId;
  const ca = await findCaCertificate(rc, id);
  if (!ca) return [changedPart(`CA certificate ${id} no longer exists`)];
  if (ca.status !== undo.newStatus) return [changedPart(`CA certificate ${id} is ${ca.status}, no longer ${undo.newStatus} as the action left it`)];
  return [
    await restore(
      `CA certificate ${id}`,
      () => changeCaCertificate(rc, id, { status: undo.previousStatus }),
      `CA certificate ${id} restored to ${undo.previousStatus}`,
    ),
  ];
}

export const updateCaCertificate = defineActionType({
  type: 'UPDATE_CA_CERTIFICATE',
  paramsMember: 'updateCACertificateParams',
  appliesTo: ['REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK', 'CA_CERTIFICATE_EXPIRING_CHECK', 'CA_CERTIFICATE_KEY_QUALITY_CHECK'],
  permissions: [{ action: 'iot:UpdateCACertificate', resources: (ctx) => caCertificateArns(ctx) }],
  // The only parameter, `action`, is an enum with the one value DEACTIVATE: the model checks it.
  apply,
  preview: { describeChange: (undo) => `status ${undo.previousStatus} -> ${undo.newStatus}` },
  undo: { restore: restoreCaCertificate },
});
