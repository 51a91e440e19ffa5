// IOT_ROLE_ALIAS_OVERLY_PERMISSIVE_CHECK (docs/decisions.md#a34): every role alias, examined through its IAM role.
// The loader below is shared with IOT_ROLE_ALIAS_ALLOWS_ACCESS_TO_UNUSED_SERVICES_CHECK.
import { defineAuditCheck, type CheckContext, type CheckFinding, type CheckResult } from './check.js';
import { iotArn } from '../../kernel/arn.js';
import {
  broadPatternsForUsedServices,
  dataUnavailable,
  iotRoleViolations,
  rolePolicies,
  securityAuditingServices,
  type AllowStatement,
  type RoleCode,
} from '../analysis/iam-analysis.js';
import { DAY_MS } from '../../kernel/clock.js';


export interface ExaminedAlias {
  roleAliasArn: string;
  roleArn: string;
  statements: AllowStatement[];
  /** Services used through the alias in the 365 days before the audit. */
  used: Set<string>;
}

/** Three queries: aliases, their roles' policies, recent usage. Aliases whose role is not in the store are `missing`. */
export async function examineRoleAliases(ctx: CheckContext): Promise<{ aliases: ExaminedAlias[]; missing: string[] }> {
  const scoped = <T extends { where: (...a: any[]) => T }>(q: T) => q.where('account_id', '=', ctx.accountId).where('region', '=', ctx.region);
  const aliases = await scoped(ctx.db.selectFrom('role_aliases').select(['role_alias', 'role_arn'])).orderBy('role_alias').execute();
  const policies = await rolePolicies(ctx.db, ctx.accountId, ctx.region, aliases.map((a) => a.role_arn));
  const usage = await scoped(ctx.db.selectFrom('role_alias_usage').select(['role_alias', 'service']))
    .where('used_at', '>=', ctx.now - 365 * DAY_MS)
    .where('used_at', '<=', ctx.now)
    .execute();
  const out: ExaminedAlias[] = [];
  const missing: string[] = [];
  for (const a of aliases) {
    const statements = policies.get(a.role_arn);
    if (!statements) {
      missing.push(`role ${a.role_arn} (of role alias ${a.role_alias})`);
      continue;
    }
    const used = new Set(usage.filter((u) => u.role_alias === a.role_alias).map((u) => u.service));
    out.push({ roleAliasArn: iotArn(ctx, 'rolealias', a.role_alias), roleArn: a.role_arn, statements, used });
  }
  return { aliases: out, missing };
}

/** What the alias's role may do in IoT itself, judged as for the Cognito roles. */
const IOT_CODES: RoleCode[] = [
  'ALLOWS_BROAD_ACCESS_TO_IOT_THING_ADMIN_READ_ACTIONS',
  'ALLOWS_ACCESS_TO_IOT_NON_THING_ADMIN_ACTIONS',
  'ALLOWS_ACCESS_TO_IOT_THING_ADMIN_WRITE_ACTIONS',
  'ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS',
];

export function roleAliasFinding(alias: ExaminedAlias, code: string, reason: string): CheckFinding {
  return {
    nonCompliantResource: { resourceType: 'ROLE_ALIAS', resourceIdentifier: { roleAliasArn: alias.roleAliasArn } },
    relatedResources: [{ resourceType: 'IAM_ROLE', resourceIdentifier: { iamRoleArn: alias.roleArn } }],
    reasonForNonComplianceCode: code,
    reasonForNonCompliance: reason,
  };
}

export const iotRoleAliasOverlyPermissiveCheck = defineAuditCheck({
  name: 'IOT_ROLE_ALIAS_OVERLY_PERMISSIVE_CHECK',
  severity: 'CRITICAL',
  resourceIdentifier: 'roleAliasArn',
  reasonCodes: ['ALLOWS_BROAD_ACCESS_TO_USED_SERVICES', 'ALLOWS_ACCESS_TO_SECURITY_AUDITING_SERVICES', ...IOT_CODES],
  async run(ctx: CheckContext): Promise<CheckResult> {
    const { aliases, missing } = await examineRoleAliases(ctx);
    const findings: CheckFinding[] = [];
    for (const alias of aliases) {
      const broad = broadPatternsForUsedServices(alias.statements, alias.used);
      if (broad.length > 0)
        findings.push(roleAliasFinding(alias, 'ALLOWS_BROAD_ACCESS_TO_USED_SERVICES',
          `Role ${alias.roleArn} allows broad access to services used through the role alias: [${broad.join(', ')}].`));
      const auditing = securityAuditingServices(alias.statements);
      if (auditing.length > 0)
        findings.push(roleAliasFinding(alias, 'ALLOWS_ACCESS_TO_SECURITY_AUDITING_SERVICES',
          `Role ${alias.roleArn} allows access to security auditing services: [${auditing.join(', ')}].`));
      for (const v of await iotRoleViolations(alias.statements, IOT_CODES))
        findings.push(roleAliasFinding(alias, v.code, v.reason(alias.roleArn)));
    }
    if (missing.length > 0) throw dataUnavailable(missing, { checked: aliases.length, findings });
    return { checked: aliases.length, findings };
  },
});
