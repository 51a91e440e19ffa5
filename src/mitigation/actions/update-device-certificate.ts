// UPDATE_DEVICE_CERTIFICATE (docs/decisions.md#m11, #m17): deactivates the finding's device certificate,
// or every related device certificate of an intermediate-CA finding. The status change follows UpdateCertificate's
// rules (REVOKED is final, PENDING_TRANSFER is frozen, version bump): the registry's certificateStatusRefusal decides,
// on certificates locked for the batch, and setCertificateStatuses writes a whole batch in one statement.
import {
  certificateStatusRefusal,
  findCertificate,
  lockCertificates,
  setCertificateStatus,
  setCertificateStatuses,
  type CertificateStatusRow,
} from '../../registry/certificates.js';
import type { RequestContext } from '../../registry/context.js';
import { iotArn } from '../../kernel/arn.js';
import { defineActionType, type ActionContext, type ActionOutcome } from '../action.js';
import { DEVICE_CERTIFICATE_CHECKS, deviceCertificateIds, joinWithin, nothingToActOn, requestContext, settle, withoutFinalPeriod } from './common.js';
import { changedPart, restore, type PartResult } from './restore.js';

/** Undo record: the certificates this execution changed and the status each had before. */
export interface DeviceCertificateUndo {
  certificates: { certificateId: string; previousStatus: string; newStatus: 'INACTIVE' }[];
}

const TARGET_STATUS = 'INACTIVE';

/**
 * Every context's outcome as if they ran one after another: a certificate two findings name is deactivated by the
 * first and found INACTIVE by the second. One locking read and one write for the whole batch.
 */
async function applyBatch(ctxs: readonly ActionContext[]): Promise<ActionOutcome<DeviceCertificateUndo>[]> {
  if (ctxs.length === 0) return [];
  const rc = requestContext(ctxs[0]!);
  const current = await lockCertificates(rc, [...new Set(ctxs.flatMap(deviceCertificateIds))]);
  const changes = new Map<string, { certificate: CertificateStatusRow; newStatus: string }>();
  const outcomes = ctxs.map((ctx) => {
    const ids = deviceCertificateIds(ctx);
    if (ids.length === 0) return nothingToActOn(ctx, 'device certificate');
    const undo: DeviceCertificateUndo = { certificates: [] };
    const done: string[] = [];
    const failures: string[] = [];
    for (const id of ids) {
      const cert = current.get(id);
      if (!cert) {
        failures.push(`Device certificate ${id} no longer exists`);
        continue;
      }
      if (cert.status === TARGET_STATUS) {
        done.push(`Device certificate ${id} was already INACTIVE`);
        continue;
      }
      const refused = certificateStatusRefusal(cert, TARGET_STATUS);
      if (refused) {
        failures.push(`Device certificate ${id} cannot be deactivated: ${withoutFinalPeriod(refused.message)}`);
        continue;
      }
      changes.set(id, { certificate: cert, newStatus: TARGET_STATUS });
      current.set(id, { ...cert, status: TARGET_STATUS });
      undo.certificates.push({ certificateId: id, previousStatus: cert.status, newStatus: TARGET_STATUS });
      done.push(`Device certificate ${id} deactivated (was ${cert.status})`);
    }
    return settle(done, failures, undo);
  });
  await setCertificateStatuses(rc, [...changes.values()]);
  return outcomes;
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
  apply: async (ctx) => (await applyBatch([ctx]))[0]!,
  applyBatch,
  locksWhatItReads: true,
  preview: { describeChange },
  undo: { restore: restoreCertificates },
});
