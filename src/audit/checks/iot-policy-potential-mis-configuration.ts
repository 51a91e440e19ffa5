// IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK (audit.md §5.5, Dec A11, A24): Deny statements of default policy
// versions that do not deny what they appear to; a version can get both reason codes (two findings).
import type { AuditCheck } from './check.js';
import { misconfigurationVerdicts } from '../analysis/policy-analyser.js';
import { runPolicyRule } from './iot-policy-overly-permissive.js';

export const iotPolicyPotentialMisConfigurationCheck: AuditCheck = {
  name: 'IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK',
  severity: 'MEDIUM',
  run: (ctx) => runPolicyRule(ctx, misconfigurationVerdicts),
};
