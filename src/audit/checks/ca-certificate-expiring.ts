// CA_CERTIFICATE_EXPIRING_CHECK: ACTIVE CA certificates past or within 30 days (fixed, not
// configurable) of their notAfter; the same rule as the device check over the CA table.
import { defineAuditCheck, type AuditResource, type CheckContext, type CheckResult } from './check.js';
import { EXPIRATION_CODES, expiringFindings } from './device-certificate-expiring.js';
import { scoped } from '../../store/scoped.js';
import { DAY_MS } from '../../kernel/clock.js';

const CA_EXPIRATION_THRESHOLD_DAYS = 30;

export const caResource = (id: string): AuditResource => ({
  resourceType: 'CA_CERTIFICATE',
  resourceIdentifier: { caCertificateId: id },
});

/** The CA checks' scope: AWS examines active and pending-transfer certificates, and CA certificates have no
 *  pending-transfer status, so ACTIVE only. */
export function activeCaCertificates(ctx: CheckContext) {
  return scoped(ctx)
    .selectFrom('ca_certificates')
    .where('status', '=', 'ACTIVE');
}

export async function countActiveCaCertificates(ctx: CheckContext): Promise<number> {
  const row = await activeCaCertificates(ctx)
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export const caCertificateExpiringCheck = defineAuditCheck({
  name: 'CA_CERTIFICATE_EXPIRING_CHECK',
  severity: 'MEDIUM',
  resourceIdentifier: 'caCertificateId',
  reasonCodes: EXPIRATION_CODES,
  async run(ctx: CheckContext): Promise<CheckResult> {
    const rows = await activeCaCertificates(ctx)
      .select(['certificate_id', 'not_after'])
      .where('not_after', '<=', ctx.now + CA_EXPIRATION_THRESHOLD_DAYS * DAY_MS)
      .orderBy('certificate_id')
      .execute();
    return {
      checked: await countActiveCaCertificates(ctx),
      findings: expiringFindings(rows, ctx.now, CA_EXPIRATION_THRESHOLD_DAYS, caResource),
    };
  },
});
