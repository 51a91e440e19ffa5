// UPDATE_DEVICE_CERTIFICATE (docs/decisions.md#m11, #m17): deactivates the finding's device certificate,
// or every related device certificate of an intermediate-CA finding. The status change goes through the registry's
// setCertificateStatus, as UpdateCertificate does, so the registry's rules (REVOKED is final, PENDING_TRANSFER is frozen, version bump) apply unchanged.
import { findCertificate, setCertificateStatus } from '../../registry/certificates.js';
import type { RequestContext } from '../../registry/context.js';
import { iotArn } from '../../kernel/arn.js';
import { defineActionType, type ActionContext, type ActionOutcome } from '../action.js';
import { DEVICE_CERTIFICATE_CHECKS, deviceCertificateIds, joinWithin, nothingToActOn, refusal, requestContext, settle, withoutFinalPeriod } from './common.js';
import { changedPart, restore, type PartResult } from './restore.js';

/** Undo record: the certificates this execution changed and the status each had before. */
export interface DeviceCertificateUndo {
  certificates: { certificateId: string; previousStatus: string; newStatus: 'INACTIVE' }[];
}

const TARGET_STATUS = 'INACTIVE';

async function apply(ctx: ActionContext): Promise<ActionOutcome<DeviceCertificateUndo>> {
  const ids = deviceCertificateIds(ctx);
  if (ids.length === 0) return nothingToActOn(ctx, 'device certificate');
  const rc = requestContext(ctx);
  const undo: DeviceCertificateUndo = { certificates: [] };
  const done: string[] = [];
  const failures: string[] = [];
  for (const id of ids) {
    const cert = await findCertificate(rc, id);
    if (!cert) {
      failures.push(`Device certificate ${id} no longer exists`);
      continue;
    }
    if (cert.status === TARGET_STATUS) {
      done.push(`Device certificate ${id} was already INACTIVE`);
      continue;
    }
    const refused = await refusal(() => setCertificateStatus(rc, id, TARGET_STATUS));
    if (refused) {
      failures.push(`Device certificate ${id} cannot be deactivated: ${withoutFinalPeriod(refused.message)}`);
      continue;
    }
    undo.certificates.push({ certificateId: id, previousStatus: cert.status, newStatus: TARGET_STATUS });
    done.push(`Device certificate ${id} deactivated (was ${cert.status})`);
  }
  return settle(done, failures, undo);
}

function describeChange({ certificates }: DeviceCertificateUndo): string | undefined {
  if (certificates.length === 0) return undefined;
  if (certificates.length === 1) return `status ${certificates[0]!.previousStatus} -> ${certificates[0]!.newStatus}`;
  return joinWithin(certificates.map((c) => `certificate ${c.certificateId}: status ${c.previousStatus} -> ${c.newStatus}`));
}

async function restoreCertificates(rc: RequestContext, undo: DeviceCertificateUndo): Promise<PartResult[]> {
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

export const updateDeviceCertificate = defineActionType({
  type: 'UPDATE_DEVICE_CERTIFICATE',
  paramsMember: 'updateDeviceCertificateParams',
  appliesTo: DEVICE_CERTIFICATE_CHECKS,
  permissions: [{ action: 'iot:UpdateCertificate', resources: (ctx) => deviceCertificateIds(ctx).map((id) => iotArn(ctx, 'cert', id)) }],
  // The only parameter, `action`, is an enum with the one value DEACTIVATE: the model checks it.
  apply,
  preview: { describeChange },
  undo: { restore: restoreCertificates },
});
