// INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK (docs/decisions.md#m11, #a36): a registered,
// non-self-signed CA certificate X revoked by its issuer while ACTIVE device certificates chain to it — issued by X,
// or by a registered CA whose chain through registered CA certificates reaches X. One finding per X; the device
// certificates are its related resources.
import { defineAuditCheck, type AuditResource, type CheckContext, type CheckFinding, type CheckResult } from './check.js';
import { RevocationDataUnavailable, RevocationResolver, unavailableMessage } from '../revocation/crls.js';
import { scoped } from '../../store/scoped.js';

/** Only serials that fit the model's IssuerCertificateSerialNumber (≤ 20 characters) are reported
 *  (docs/decisions.md#a36). */
const MAX_SERIAL_CHARS = 20;

type CaRow = { certificate_id: string; subject: string; issuer: string };

/** The registered non-self-signed CAs by their issuer text: a CA's children are the CAs whose issuer is its subject. */
function childrenBySubject(cas: CaRow[]): Map<string, CaRow[]> {
  const children = new Map<string, CaRow[]>();
  for (const ca of cas) {
    if (ca.subject === ca.issuer) continue;
    const list = children.get(ca.issuer);
    if (list) list.push(ca);
    else children.set(ca.issuer, [ca]);
  }
  return children;
}

/** X and every registered CA below it, breadth first. */
function subtreeOf(x: CaRow, children: Map<string, CaRow[]>): Set<string> {
  const seen = new Set<string>([x.certificate_id]);
  const queue = [x];
  // An index instead of shift(), which moves the whole queue each time.
  for (let next = 0; next < queue.length; next++)
    for (const child of children.get(queue[next]!.subject) ?? []) {
      if (seen.has(child.certificate_id)) continue; // cross-signed loops
      seen.add(child.certificate_id);
      queue.push(child);
    }
  return seen;
}

const CHUNK = 500;

async function activeDevicesUnder(ctx: CheckContext, caIds: string[]): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < caIds.length; i += CHUNK) {
    const rows = await scoped(ctx)
      .selectFrom('certificates')
      .select('certificate_id')
      .where('status', '=', 'ACTIVE')
      .where('ca_certificate_id', 'in', caIds.slice(i, i + CHUNK))
      .execute();
    // One at a time: push(...rows) throws past ~120,000 arguments, and one intermediate CA can have more devices.
    for (const r of rows) out.push(r.certificate_id);
  }
  return out.sort();
}

export const intermediateCaRevokedForActiveDeviceCertificatesCheck = defineAuditCheck({
  name: 'INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK',
  severity: 'CRITICAL',
  resourceIdentifier: 'issuerCertificateIdentifier',
  reasonCodes: ['INTERMEDIATE_CA_REVOKED_BY_ISSUER'],
  async run(ctx: CheckContext): Promise<CheckResult> {
    const cas = await scoped(ctx)
      .selectFrom('ca_certificates')
      .select(['certificate_id', 'certificate_pem', 'subject', 'issuer', 'serial_number', 'crl_urls'])
      .orderBy('certificate_id')
      .execute();
    const intermediates = cas.filter((c) => c.subject !== c.issuer);
    const children = childrenBySubject(cas);
    const resolver = await RevocationResolver.create(ctx);
    const findings: CheckFinding[] = [];
    const failures: string[] = [];
    for (const x of intermediates) {
      // Without active devices below X no finding is possible, so X's CRLs are not even fetched.
      const devices = await activeDevicesUnder(ctx, [...subtreeOf(x, children)]);
      if (devices.length === 0) continue;
      const state = await resolver.stateOf({ ...x, ca_certificate_id: null });
      if (state.state === 'unknown') failures.push(...state.failures);
      if (state.state !== 'revoked') continue;
      const related: AuditResource[] = devices.map((id) => ({
        resourceType: 'DEVICE_CERTIFICATE',
        resourceIdentifier: { deviceCertificateId: id },
      }));
      findings.push({
        nonCompliantResource: {
          resourceType: 'ISSUER_CERTIFICATE',
          resourceIdentifier: {
            issuerCertificateIdentifier: {
              issuerCertificateSubject: x.subject,
              issuerId: x.certificate_id,
              ...(x.serial_number.length <= MAX_SERIAL_CHARS ? { issuerCertificateSerialNumber: x.serial_number } : {}),
            },
          },
        },
        relatedResources: related,
        reasonForNonComplianceCode: 'INTERMEDIATE_CA_REVOKED_BY_ISSUER',
        reasonForNonCompliance: `Intermediate CA ${x.subject} is revoked by its issuer; ${devices.length} active device certificates chain to it.`,
      });
    }
    const result = { checked: intermediates.length, findings };
    if (failures.length) throw new RevocationDataUnavailable(unavailableMessage(failures), result);
    return result;
  },
});
