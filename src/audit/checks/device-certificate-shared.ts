// DEVICE_CERTIFICATE_SHARED_CHECK (docs/decisions.md#a14): a certificate used by two sessions at the same time is
// shared by several devices. Sessions come from ingested lifecycle events; one query loads the window.
import { defineAuditCheck, type CheckContext, type CheckFinding, type CheckResult } from './check.js';
import { groupBy, isCertificateId, mostRecentFirst, overlappingSessions, sessionsInWindow, sessionTimes } from '../ingest/ingest.js';
import { HOUR_MS, DAY_MS } from '../../kernel/clock.js';


export const deviceCertificateSharedCheck = defineAuditCheck({
  name: 'DEVICE_CERTIFICATE_SHARED_CHECK',
  severity: 'CRITICAL',
  resourceIdentifier: 'deviceCertificateId',
  reasonCodes: ['CERTIFICATE_SHARED_BY_MULTIPLE_DEVICES'],
  async run(ctx: CheckContext): Promise<CheckResult> {
    // The last two hours are left out: AWS evaluates connections with that delay.
    const end = ctx.now - 2 * HOUR_MS;
    const start = ctx.previousRunStart !== undefined ? ctx.previousRunStart - 2 * HOUR_MS : ctx.now - 31 * DAY_MS;
    const sessions = await sessionsInWindow(ctx.db, ctx.accountId, ctx.region, start, end);
    const byCertificate = groupBy(sessions, (s) => (isCertificateId(s.principalId) ? s.principalId : undefined));
    const findings: CheckFinding[] = [];
    for (const [certificateId, group] of [...byCertificate].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const involved = overlappingSessions(group, end);
      if (involved.size === 0) continue;
      findings.push({
        nonCompliantResource: { resourceType: 'DEVICE_CERTIFICATE', resourceIdentifier: { deviceCertificateId: certificateId } },
        relatedResources: [...involved].sort(mostRecentFirst).map((s) => ({
          resourceType: 'CLIENT_ID',
          resourceIdentifier: { clientId: s.clientId },
          additionalInfo: sessionTimes(s),
        })),
        reasonForNonComplianceCode: 'CERTIFICATE_SHARED_BY_MULTIPLE_DEVICES',
        reasonForNonCompliance: 'Certificate shared by one or more devices.',
      });
    }
    return { checked: byCertificate.size, findings };
  },
});
