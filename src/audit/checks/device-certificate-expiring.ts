// DEVICE_CERTIFICATE_EXPIRING_CHECK: in-scope device certificates past or within the configured
// threshold of their notAfter. Set-based: one count and one range query over the stored not_after facts.
// The shared rule also serves CA_CERTIFICATE_EXPIRING_CHECK.
import { defineAuditCheck, findingsOf, type AuditResource, type CheckContext, type CheckFinding, type CheckResult } from './check.js';
import { dayThreshold } from './day-threshold.js';
import { scoped } from '../../store/scoped.js';
import { DAY_MS } from '../../kernel/clock.js';

/** Device certificate checks examine these statuses, as AWS documents for them. */
const DEVICE_SCOPE_STATUSES = ['ACTIVE', 'PENDING_TRANSFER'];

/** The findings of the expiring rule for rows already limited to `not_after ≤ now + threshold`. */
export function expiringFindings(
  rows: readonly { certificate_id: string; not_after: number | string | bigint }[],
  now: number,
  days: number,
  resource: (id: string) => AuditResource,
): Iterable<CheckFinding> {
  return findingsOf(rows, (r) => {
    const notAfter = Number(r.not_after);
    const past = notAfter <= now;
    return {
      nonCompliantResource: { ...resource(r.certificate_id), additionalInfo: { EXPIRATION_TIME: String(notAfter) } },
      reasonForNonComplianceCode: past ? 'CERTIFICATE_PAST_EXPIRATION' : 'CERTIFICATE_APPROACHING_EXPIRATION',
      reasonForNonCompliance: past
        ? 'Certificate is past its expiration.'
        : // Rounded up: a certificate expiring in 2.5 days has 3 calendar days left, never "0 days".
          `Certificate expires in ${Math.ceil((notAfter - now) / DAY_MS)} days, within the threshold of ${days} days.`,
    };
  });
}

export const deviceResource = (id: string): AuditResource => ({
  resourceType: 'DEVICE_CERTIFICATE',
  resourceIdentifier: { deviceCertificateId: id },
});

/** The in-scope device certificates of the audited account (a query builder to refine). */
export function inScopeDeviceCertificates(ctx: CheckContext) {
  return scoped(ctx)
    .selectFrom('certificates')
    .where('status', 'in', DEVICE_SCOPE_STATUSES);
}

export async function countInScopeDeviceCertificates(ctx: CheckContext): Promise<number> {
  const row = await inScopeDeviceCertificates(ctx)
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The reason codes of the expiring rule, shared with CA_CERTIFICATE_EXPIRING_CHECK. */
export const EXPIRATION_CODES = ['CERTIFICATE_APPROACHING_EXPIRATION', 'CERTIFICATE_PAST_EXPIRATION'] as const;

const EXPIRATION_THRESHOLD = dayThreshold('CERT_EXPIRATION_THRESHOLD_IN_DAYS', 30);

export const deviceCertificateExpiringCheck = defineAuditCheck({
  name: 'DEVICE_CERTIFICATE_EXPIRING_CHECK',
  severity: 'MEDIUM',
  resourceIdentifier: 'deviceCertificateId',
  reasonCodes: EXPIRATION_CODES,
  configuration: [EXPIRATION_THRESHOLD],
  async run(ctx: CheckContext): Promise<CheckResult> {
    const days = EXPIRATION_THRESHOLD.read(ctx.configuration);
    const rows = await inScopeDeviceCertificates(ctx)
      .select(['certificate_id', 'not_after'])
      .where('not_after', '<=', ctx.now + days * DAY_MS)
      .orderBy('certificate_id')
      .execute();
    return {
      checked: await countInScopeDeviceCertificates(ctx),
      findings: expiringFindings(rows, ctx.now, days, deviceResource),
    };
  },
});
