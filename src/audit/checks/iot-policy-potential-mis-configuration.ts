// IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK (docs/decisions.md#a11, #a24): Deny statements of default policy
// versions that do not deny what they appear to; a version can get both reason codes (two findings).
import { defineAuditCheck } from './check.js';
import { misconfigurationVerdicts } from '../analysis/policy-analyser.js';
import { runPolicyRule } from './iot-policy-overly-permissive.js';

export const iotPolicyPotentialMisConfigurationCheck = defineAuditCheck({
  name: 'IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK',
  aliases: ['IOT_POLICY_POTENTIAL_MISCONFIGURATION_CHECK'],
  severity: 'MEDIUM',
  resourceIdentifier: 'policyVersionIdentifier',
  reasonCodes: ['POLICY_CONTAINS_MQTT_WILDCARDS_IN_DENY_STATEMENT', 'TOPIC_FILTERS_INTENDED_TO_DENY_ALLOWED_USING_WILDCARDS'],
  run: (ctx) => runPolicyRule(ctx, misconfigurationVerdicts),
});
