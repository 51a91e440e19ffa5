// IOT_ROLE_ALIAS_ALLOWS_ACCESS_TO_UNUSED_SERVICES_CHECK (docs/decisions.md#a34): a role alias's role grants a
// service that no recorded use in the last 365 days needed (`*` counts as the service `*`, never "used").
import { defineAuditCheck, type CheckContext, type CheckFinding, type CheckResult } from './check.js';
import { dataUnavailable, grantedServices } from '../analysis/iam-analysis.js';
import { examineRoleAliases, roleAliasFinding } from './iot-role-alias-overly-permissive.js';

export const iotRoleAliasAllowsAccessToUnusedServicesCheck = defineAuditCheck({
  name: 'IOT_ROLE_ALIAS_ALLOWS_ACCESS_TO_UNUSED_SERVICES_CHECK',
  severity: 'MEDIUM',
  resourceIdentifier: 'roleAliasArn',
  reasonCodes: ['ALLOWS_ACCESS_TO_UNUSED_SERVICES'],
  async run(ctx: CheckContext): Promise<CheckResult> {
    const { aliases, missing } = await examineRoleAliases(ctx);
    const findings: CheckFinding[] = [];
    for (const alias of aliases) {
      const unused = grantedServices(alias.statements).filter((svc) => !alias.used.has(svc));
      if (unused.length > 0)
        findings.push(roleAliasFinding(alias, 'ALLOWS_ACCESS_TO_UNUSED_SERVICES',
          `Role ${alias.roleArn} allows access to services not used through the role alias in the last year: [${unused.join(', ')}].`));
    }
    if (missing.length > 0) throw dataUnavailable(missing, { checked: aliases.length, findings });
    return { checked: aliases.length, findings };
  },
});
