// CA_CERTIFICATE_KEY_QUALITY_CHECK: the key-quality rule over ACTIVE CA certificates.
import { defineAuditCheck, type CheckContext, type CheckResult } from './check.js';
import { activeCaCertificates, caResource, countActiveCaCertificates } from './ca-certificate-expiring.js';
import { KEY_QUALITY_CODES, keyQualityFindings } from './device-certificate-key-quality.js';

export const caCertificateKeyQualityCheck = defineAuditCheck({
  name: 'CA_CERTIFICATE_KEY_QUALITY_CHECK',
  severity: 'CRITICAL',
  resourceIdentifier: 'caCertificateId',
  reasonCodes: KEY_QUALITY_CODES,
  async run(ctx: CheckContext): Promise<CheckResult> {
    const rows = await activeCaCertificates(ctx)
      .select(['certificate_id', 'rsa_modulus'])
      .where('key_algorithm', '=', 'RSA')
      .orderBy('certificate_id')
      .execute();
    return { checked: await countActiveCaCertificates(ctx), findings: keyQualityFindings(rows, caResource, ctx.weakKeyBlocklists) };
  },
});
