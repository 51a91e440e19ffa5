// LOGGING_DISABLED_CHECK (docs/decisions.md#a39): one resource, the account; non-compliant unless V1 or V2 logging
// is on. The decision itself lives in src/registry/logging.ts so the ENABLE_IOT_LOGGING mitigation uses the same rule.
import { defineAuditCheck, type CheckContext, type CheckResult } from './check.js';
import { isLoggingEnabled, normalizeV2, type LogLevel, type V1LoggingOptions, type V2LoggingOptions } from '../../registry/logging.js';
import { fromJson } from '../../kernel/json.js';
import { scoped } from '../../store/scoped.js';

async function readLogging(ctx: CheckContext): Promise<{ v1?: V1LoggingOptions; v2?: V2LoggingOptions }> {
  const row = await scoped(ctx)
    .selectFrom('logging_options')
    .selectAll()
    .executeTakeFirst();
  if (!row) return {};
  const v1 =
    row.v1_role_arn === null
      ? undefined
      : { roleArn: row.v1_role_arn, ...(row.v1_log_level === null ? {} : { logLevel: row.v1_log_level as LogLevel }) };
  const v2 = row.v2_options === null ? undefined : normalizeV2(fromJson<Partial<V2LoggingOptions>>(row.v2_options, {}));
  return { v1, v2 };
}

export const loggingDisabledCheck = defineAuditCheck({
  name: 'LOGGING_DISABLED_CHECK',
  severity: 'LOW',
  resourceIdentifier: 'account',
  reasonCodes: ['LOGGING_DISABLED'],
  async run(ctx: CheckContext): Promise<CheckResult> {
    const { v1, v2 } = await readLogging(ctx);
    if (isLoggingEnabled(v1, v2)) return { checked: 1, findings: [] };
    return {
      checked: 1,
      findings: [
        {
          nonCompliantResource: { resourceType: 'ACCOUNT_SETTINGS', resourceIdentifier: { account: ctx.accountId } },
          reasonForNonComplianceCode: 'LOGGING_DISABLED',
          reasonForNonCompliance: 'Neither V1 nor V2 AWS IoT logging is enabled.',
        },
      ],
    };
  },
});
