// AUTHENTICATED_COGNITO_ROLE_OVERLY_PERMISSIVE_CHECK (data-plane code per docs/decisions.md#a25). The two
// Cognito role checks differ only in the pool role they read and the codes they report, so the shared evaluation
// lives here and the unauthenticated check reuses it: identity pools whose identities connected in the last 31 days,
// examined through the pool's role.
import { defineAuditCheck, type AuditCheck, type CheckContext, type CheckFinding, type CheckResult } from './check.js';
import { sessionsInWindow } from '../ingest/ingest.js';
import { dataUnavailable, iotRoleViolations, rolePolicies, type RoleCode } from '../analysis/iam-analysis.js';
import { scoped } from '../../store/scoped.js';
import { DAY_MS } from '../../kernel/clock.js';


export function cognitoRoleCheck<const Name extends string>(name: Name, authenticated: boolean, codes: RoleCode[]): AuditCheck<Name> {
  return defineAuditCheck({
    name,
    severity: 'CRITICAL',
    resourceIdentifier: 'cognitoIdentityPoolId',
    reasonCodes: codes,
    async run(ctx: CheckContext): Promise<CheckResult> {
      const sessions = await sessionsInWindow(ctx.db, ctx.accountId, ctx.region, ctx.now - 31 * DAY_MS, ctx.now);
      // An event that says which kind of identity connected selects the matching check; one that does not, both.
      const poolIds = [
        ...new Set(sessions.filter((s) => s.identityPoolId !== null && (s.authenticated ?? authenticated) === authenticated).map((s) => s.identityPoolId!)),
      ].sort();
      if (poolIds.length === 0) return { checked: 0, findings: [] };
      const pools = await scoped(ctx)
        .selectFrom('iam_identity_pools')
        .selectAll()
        .where('identity_pool_id', 'in', poolIds)
        .execute();
      const roleOf = new Map(pools.map((p) => [p.identity_pool_id, authenticated ? p.authenticated_role_arn : p.unauthenticated_role_arn]));
      const policies = await rolePolicies(ctx.db, ctx.accountId, ctx.region, [...roleOf.values()].filter((a): a is string => a !== null));
      const missing: string[] = [];
      const findings: CheckFinding[] = [];
      let checked = 0;
      for (const poolId of poolIds) {
        if (!roleOf.has(poolId)) {
          missing.push(`identity pool ${poolId}`);
          continue;
        }
        const roleArn = roleOf.get(poolId);
        if (roleArn === null || roleArn === undefined) continue; // the pool has no such role: nothing to examine
        const statements = policies.get(roleArn);
        if (!statements) {
          missing.push(`role ${roleArn} (of identity pool ${poolId})`);
          continue;
        }
        checked++;
        for (const v of await iotRoleViolations(statements, codes))
          findings.push({
            nonCompliantResource: { resourceType: 'COGNITO_IDENTITY_POOL', resourceIdentifier: { cognitoIdentityPoolId: poolId } },
            relatedResources: [{ resourceType: 'IAM_ROLE', resourceIdentifier: { iamRoleArn: roleArn } }],
            reasonForNonComplianceCode: v.code,
            reasonForNonCompliance: v.reason(roleArn),
          });
      }
      if (missing.length > 0) throw dataUnavailable(missing, { checked, findings });
      return { checked, findings };
    },
  });
}

export const authenticatedCognitoRoleOverlyPermissiveCheck = cognitoRoleCheck('AUTHENTICATED_COGNITO_ROLE_OVERLY_PERMISSIVE_CHECK', true, [
  'ALLOWS_BROAD_ACCESS_TO_IOT_THING_ADMIN_READ_ACTIONS',
  'ALLOWS_ACCESS_TO_IOT_NON_THING_ADMIN_ACTIONS',
  'ALLOWS_ACCESS_TO_IOT_THING_ADMIN_WRITE_ACTIONS',
  'ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS',
]);
