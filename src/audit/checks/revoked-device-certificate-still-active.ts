// REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK: an in-scope device certificate whose serial is on a
// usable CRL of its issuer. Only certificates with a CRL source are read in full; unreadable sources fail the check
// with DATA_UNAVAILABLE (docs/decisions.md#a33).
import { defineAuditCheck, type CheckContext, type CheckFinding, type CheckResult } from './check.js';
import { RevocationDataUnavailable, RevocationResolver, unavailableMessage, type SubjectCertificate } from '../revocation/crls.js';
import { certificatePages } from './pages.js';
import { countInScopeDeviceCertificates, deviceResource, inScopeDeviceCertificates } from './device-certificate-expiring.js';

export const revokedFinding = (
  resource: CheckFinding['nonCompliantResource'],
  c: { serial_number: string; status: string },
  source: string,
): CheckFinding => ({
  nonCompliantResource: resource,
  reasonForNonComplianceCode: 'CERTIFICATE_REVOKED_BY_ISSUER',
  reasonForNonCompliance: `Certificate serial ${c.serial_number} is on its issuer's CRL (${source}) but its status is ${c.status}.`,
});

/** The scope's certificates that have at least one CRL source: a distribution point, or a registered CRL of a CA.
 *  Without their PEM: the resolver reads one only to decode an issuer name it has not seen. */
function withCrlSource(ctx: CheckContext, resolver: RevocationResolver) {
  const caIds = resolver.casWithRegisteredCrl.map((c) => c.certificate_id);
  const caSubjects = [...new Set(resolver.casWithRegisteredCrl.map((c) => c.subject))];
  return inScopeDeviceCertificates(ctx)
    .select(['certificate_id', 'issuer', 'serial_number', 'crl_urls', 'ca_certificate_id', 'status'])
    .where((eb) =>
      eb.or([
        eb('crl_urls', '<>', '[]'),
        ...(caIds.length ? [eb('ca_certificate_id', 'in', caIds)] : []),
        ...(caSubjects.length ? [eb('issuer', 'in', caSubjects)] : []),
      ]),
    );
}

export const revokedDeviceCertificateStillActiveCheck = defineAuditCheck({
  name: 'REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK',
  severity: 'MEDIUM',
  resourceIdentifier: 'deviceCertificateId',
  reasonCodes: ['CERTIFICATE_REVOKED_BY_ISSUER'],
  async run(ctx: CheckContext): Promise<CheckResult> {
    const resolver = await RevocationResolver.create(ctx);
    const findings: CheckFinding[] = [];
    // A set: a million certificates behind one unreadable CRL name it once, not a million times.
    const failures = new Set<string>();
    for await (const page of certificatePages(withCrlSource(ctx, resolver)))
      for (const c of page) {
        const state = await resolver.stateOf(c satisfies SubjectCertificate);
        if (state.state === 'revoked') findings.push(revokedFinding(deviceResource(c.certificate_id), c, state.source));
        else if (state.state === 'unknown') for (const f of state.failures) failures.add(f);
      }
    const result = { checked: await countInScopeDeviceCertificates(ctx), findings };
    if (failures.size) throw new RevocationDataUnavailable(unavailableMessage(failures), result);
    return result;
  },
});
