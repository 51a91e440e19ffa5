// CONFLICTING_CLIENT_IDS_CHECK (docs/decisions.md#a14, #a26): a client id whose sessions overlap, or whose session
// was ended by the broker with DUPLICATE_CLIENTID, is used by several devices that keep displacing each other.
import { defineAuditCheck, type AuditResource, type CheckContext, type CheckFinding, type CheckResult } from './check.js';
import {
  groupBy,
  isCertificateId,
  mostRecentFirst,
  overlappingSessions,
  sessionEnd,
  sessionsInWindow,
  sessionTimes,
  type Session,
} from '../ingest/ingest.js';
import { DAY_MS } from '../../kernel/clock.js';

const DUPLICATE_CLIENTID = 'DUPLICATE_CLIENTID';

/** The sessions a DUPLICATE_CLIENTID disconnect implicates: the displaced one and those alive at that instant. */
function displacedSessions(group: Session[], end: number): Set<Session> {
  const involved = new Set<Session>();
  for (const displaced of group) {
    if (displaced.disconnectReason !== DUPLICATE_CLIENTID || displaced.disconnectedAt === undefined) continue;
    if (displaced.disconnectedAt > end) continue;
    involved.add(displaced);
    const t = displaced.disconnectedAt;
    for (const other of group) if (other !== displaced && other.connectedAt <= t && sessionEnd(other, end) >= t) involved.add(other);
  }
  return involved;
}

/** The session's principal as an audit resource; principals with no resource type (e.g. IAM users) are left out. */
function principalResource(s: Session): AuditResource | undefined {
  const additionalInfo = sessionTimes(s);
  if (isCertificateId(s.principalId))
    return { resourceType: 'DEVICE_CERTIFICATE', resourceIdentifier: { deviceCertificateId: s.principalId }, additionalInfo };
  if (s.identityPoolId !== null)
    return { resourceType: 'COGNITO_IDENTITY_POOL', resourceIdentifier: { cognitoIdentityPoolId: s.identityPoolId }, additionalInfo };
  return undefined;
}

export const conflictingClientIdsCheck = defineAuditCheck({
  name: 'CONFLICTING_CLIENT_IDS_CHECK',
  severity: 'HIGH',
  resourceIdentifier: 'clientId',
  reasonCodes: ['DUPLICATE_CLIENT_ID_ACROSS_CONNECTIONS'],
  async run(ctx: CheckContext): Promise<CheckResult> {
    const end = ctx.now;
    const start = ctx.previousRunStart ?? ctx.now - 31 * DAY_MS;
    const sessions = await sessionsInWindow(ctx.db, ctx.accountId, ctx.region, start, end);
    const byClient = groupBy(sessions, (s) => s.clientId);
    const findings: CheckFinding[] = [];
    for (const [clientId, group] of [...byClient].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const involved = new Set([...overlappingSessions(group, end), ...displacedSessions(group, end)]);
      if (involved.size === 0) continue;
      const related = [...involved].sort(mostRecentFirst).map(principalResource).filter((r): r is AuditResource => r !== undefined);
      findings.push({
        nonCompliantResource: { resourceType: 'CLIENT_ID', resourceIdentifier: { clientId } },
        ...(related.length > 0 ? { relatedResources: related } : {}),
        reasonForNonComplianceCode: 'DUPLICATE_CLIENT_ID_ACROSS_CONNECTIONS',
        reasonForNonCompliance: `Client ID was used by ${involved.size} connections that displaced each other.`,
      });
    }
    return { checked: byClient.size, findings };
  },
});
