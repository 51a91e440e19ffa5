// IOT_POLICY_OVERLY_PERMISSIVE_CHECK (docs/decisions.md#a11): the default version of every policy in the account and
// region; one finding per non-compliant version, listing its broadly allowed data-plane actions.
import { defineAuditCheck, type AuditResource, type CheckContext, type CheckFinding, type CheckResult } from './check.js';
import { overlyPermissiveVerdict, type PolicyVerdict } from '../analysis/policy-analyser.js';

export interface DefaultPolicyVersion {
  policyName: string;
  policyVersionId: string;
  document: string;
}

/** Every policy's default version in the audited scope, by policy name (one query; both IoT policy checks use it). */
async function readDefaultPolicyVersions(ctx: CheckContext): Promise<DefaultPolicyVersion[]> {
  const rows = await ctx.db
    .selectFrom('policies as p')
    .innerJoin('policy_versions as v', (join) =>
      join
        .onRef('v.account_id', '=', 'p.account_id')
        .onRef('v.region', '=', 'p.region')
        .onRef('v.policy_name', '=', 'p.policy_name')
        .onRef('v.version_id', '=', 'p.default_version_id'),
    )
    .select(['p.policy_name', 'v.version_id', 'v.policy_document'])
    .where('p.account_id', '=', ctx.accountId)
    .where('p.region', '=', ctx.region)
    .orderBy('p.policy_name')
    .execute();
  return rows.map((r) => ({ policyName: r.policy_name, policyVersionId: String(r.version_id), document: r.policy_document }));
}

function policyVersionResource(version: DefaultPolicyVersion): AuditResource {
  return {
    resourceType: 'IOT_POLICY',
    resourceIdentifier: { policyVersionIdentifier: { policyName: version.policyName, policyVersionId: version.policyVersionId } },
  };
}

/** Runs a per-document rule over every default version: one finding per (version, reason code)
 *  (docs/decisions.md#a11, #a40). */
export async function runPolicyRule(ctx: CheckContext, rule: (document: string) => PolicyVerdict[]): Promise<CheckResult> {
  const versions = await readDefaultPolicyVersions(ctx);
  const findings: CheckFinding[] = [];
  for (const version of versions)
    for (const verdict of rule(version.document))
      findings.push({
        nonCompliantResource: policyVersionResource(version),
        reasonForNonComplianceCode: verdict.code,
        reasonForNonCompliance: verdict.text,
      });
  return { checked: versions.length, findings };
}

export const iotPolicyOverlyPermissiveCheck = defineAuditCheck({
  name: 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK',
  severity: 'CRITICAL',
  resourceIdentifier: 'policyVersionIdentifier',
  reasonCodes: ['ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS'],
  run: (ctx) =>
    runPolicyRule(ctx, (document) => {
      const verdict = overlyPermissiveVerdict(document);
      return verdict ? [verdict] : [];
    }),
});
