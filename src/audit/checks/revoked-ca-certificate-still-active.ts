// REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK: an ACTIVE CA certificate revoked by its issuer.
// Self-signed CAs have no issuer that could revoke them and are skipped.
import { defineAuditCheck, type CheckContext, type CheckFinding, type CheckResult } from './check.js';
import { RevocationDataUnavailable, RevocationResolver, unavailableMessage } from '../revocation/crls.js';
import { activeCaCertificates, caResource, countActiveCaCertificates } from './ca-certificate-expiring.js';
import { revokedFinding } from './revoked-device-certificate-still-active.js';

export const revokedCaCertificateStillActiveCheck = defineAuditCheck({
  name: 'REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK',
  severity: 'CRITICAL',
  resourceIdentifier: 'caCertificateId',
  reasonCodes: ['CERTIFICATE_REVOKED_BY_ISSUER'],
  async run(ctx: CheckContext): Promise<CheckResult> {
    const resolver = await RevocationResolver.create(ctx);
    const rows = await activeCaCertificates(ctx)
      .select(['certificate_id', 'certificate_pem', 'subject', 'issuer', 'serial_number', 'crl_urls', 'status'])
      .whereRef('subject', '<>', 'issuer')
      .orderBy('certificate_id')
      .execute();
    const findings: CheckFinding[] = [];
    const failures: string[] = [];
    for (const x of rows) {
      const state = await resolver.stateOf({ ...x, ca_certificate_id: null });
      if (state.state === 'revoked') findings.push(revokedFinding(caResource(x.certificate_id), x, state.source));
      else if (state.state === 'unknown') failures.push(...state.failures);
    }
    const result = { checked: await countActiveCaCertificates(ctx), findings };
    if (failures.length) throw new RevocationDataUnavailable(unavailableMessage(failures), result);
    return result;
  },
});
