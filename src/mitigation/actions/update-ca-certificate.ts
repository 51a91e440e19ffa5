// UPDATE_CA_CERTIFICATE (mitigation.md §7.1–7.2, Dec M34): deactivates the finding's CA certificate through
// the registry's updateCaCertificate, as UpdateCACertificate does. Already INACTIVE is success without a change; a deleted CA fails.
import { findCaCertificate, updateCaCertificate as changeCaCertificate } from '../../registry/ca-certificates.js';
import type { ActionContext, ActionOutcome, MitigationActionImplementation } from '../action.js';
import { nothingToActOn, refusal, requestContext, withoutFinalPeriod } from './common.js';

/** Undo record: present when the status changed. */
export interface CaCertificateUndo {
  caCertificateId: string;
  previousStatus: string;
  newStatus: 'INACTIVE';
}

const TARGET_STATUS = 'INACTIVE';

function failed(message: string): ActionOutcome {
  return { status: 'FAILED', errorCode: 'INVALID_STATE_OF_RESOURCE', message };
}

async function apply(ctx: ActionContext): Promise<ActionOutcome> {
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

export const updateCaCertificate: MitigationActionImplementation = {
  type: 'UPDATE_CA_CERTIFICATE',
  permissions: ['iot:UpdateCACertificate'],
  apply,
};
