// DEVICE_CERTIFICATE_AGE_CHECK (audit.md §4.1, Dec A12): in-scope device certificates whose age, measured from
// notBefore, reaches the configured threshold (default 365 days). One range query over the stored not_before facts.
import type { AuditCheck, CheckContext, CheckResult } from './check.js';
import { countInScopeDeviceCertificates, DAY_MS, deviceResource, inScopeDeviceCertificates, thresholdDays } from './device-certificate-expiring.js';

export const deviceCertificateAgeCheck: AuditCheck = {
  name: 'DEVICE_CERTIFICATE_AGE_CHECK',
  severity: 'LOW',
  async run(ctx: CheckContext): Promise<CheckResult> {
    const days = thresholdDays(ctx.configuration, 'CERT_AGE_THRESHOLD_IN_DAYS', 365);
    // now − notBefore ≥ T days  ⇔  notBefore ≤ now − T days
    const rows = await inScopeDeviceCertificates(ctx)
      .select(['certificate_id', 'not_before'])
      .where('not_before', '<=', ctx.now - days * DAY_MS)
      .orderBy('certificate_id')
      .execute();
    return {
      checked: await countInScopeDeviceCertificates(ctx),
      findings: rows.map((r) => {
        const notBefore = Number(r.not_before);
        return {
          nonCompliantResource: { ...deviceResource(r.certificate_id), additionalInfo: { NOT_BEFORE_TIME: String(notBefore) } },
          reasonForNonComplianceCode: 'CERTIFICATE_PAST_AGE_THRESHOLD',
          reasonForNonCompliance: `Certificate is ${Math.floor((ctx.now - notBefore) / DAY_MS)} days old, which reaches the threshold of ${days} days.`,
        };
      }),
    };
  },
};
