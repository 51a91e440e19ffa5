// DEVICE_CERTIFICATE_AGE_CHECK (docs/decisions.md#a12): in-scope device certificates whose age, measured from
// notBefore, reaches the configured threshold (default 365 days). One range query over the stored not_before facts.
import { defineAuditCheck, findingsOf, type CheckContext, type CheckResult } from './check.js';
import { countInScopeDeviceCertificates, deviceResource, inScopeDeviceCertificates } from './device-certificate-expiring.js';
import { dayThreshold } from './day-threshold.js';
import { DAY_MS } from '../../kernel/clock.js';

const AGE_THRESHOLD = dayThreshold('CERT_AGE_THRESHOLD_IN_DAYS', 365);

export const deviceCertificateAgeCheck = defineAuditCheck({
  name: 'DEVICE_CERTIFICATE_AGE_CHECK',
  severity: 'LOW',
  resourceIdentifier: 'deviceCertificateId',
  reasonCodes: ['CERTIFICATE_PAST_AGE_THRESHOLD'],
  configuration: [AGE_THRESHOLD],
  async run(ctx: CheckContext): Promise<CheckResult> {
    const days = AGE_THRESHOLD.read(ctx.configuration);
    // now − notBefore ≥ T days  ⇔  notBefore ≤ now − T days
    const rows = await inScopeDeviceCertificates(ctx)
      .select(['certificate_id', 'not_before'])
      .where('not_before', '<=', ctx.now - days * DAY_MS)
      .orderBy('certificate_id')
      .execute();
    return {
      checked: await countInScopeDeviceCertificates(ctx),
      findings: findingsOf(rows, (r) => {
        const notBefore = Number(r.not_before);
        return {
          nonCompliantResource: { ...deviceResource(r.certificate_id), additionalInfo: { NOT_BEFORE_TIME: String(notBefore) } },
          reasonForNonComplianceCode: 'CERTIFICATE_PAST_AGE_THRESHOLD',
          reasonForNonCompliance: `Certificate is ${Math.floor((ctx.now - notBefore) / DAY_MS)} days old, which reaches the threshold of ${days} days.`,
        };
      }),
    };
  },
});
