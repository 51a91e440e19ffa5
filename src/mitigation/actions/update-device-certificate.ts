// UPDATE_DEVICE_CERTIFICATE (mitigation.md §7.1–7.2, Dec M11, M17): deactivates the finding's device certificate,
// or every related device certificate of an intermediate-CA finding. The status change goes through the registry's
// setCertificateStatus, as UpdateCertificate does, so the registry's rules (REVOKED is final, PENDING_TRANSFER is frozen, version bump) apply unchanged.
import { findCertificate, setCertificateStatus } from '../../registry/certificates.js';
import type { ActionContext, ActionOutcome, MitigationActionImplementation } from '../action.js';
import { deviceCertificateIds, nothingToActOn, refusal, requestContext, settle, withoutFinalPeriod } from './common.js';

/** Undo record: the certificates this execution changed and the status each had before. */
export interface DeviceCertificateUndo {
  certificates: { certificateId: string; previousStatus: string; newStatus: 'INACTIVE' }[];
}

const TARGET_STATUS = 'INACTIVE';

async function apply(ctx: ActionContext): Promise<ActionOutcome> {
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

export const updateDeviceCertificate: MitigationActionImplementation = {
  type: 'UPDATE_DEVICE_CERTIFICATE',
  permissions: ['iot:UpdateCertificate'],
  apply,
};
