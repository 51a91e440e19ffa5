// Describe/Update/DeleteAccountAuditConfiguration.
import type { HandlerTable, RequestContext } from '../../registry/context.js';
import type {
  DeleteAccountAuditConfigurationInput,
  DeleteAccountAuditConfigurationOutput,
  DescribeAccountAuditConfigurationInput,
  DescribeAccountAuditConfigurationOutput,
  UpdateAccountAuditConfigurationInput,
  UpdateAccountAuditConfigurationOutput,
} from '../../model/types.generated.js';
import { scope } from '../../registry/context.js';
import { invalidRequest, notFound } from '../../kernel/errors.js';
import { fromJson, toJson } from '../../kernel/json.js';
import { CHECK_NAMES, requireCheckName, validateCheckConfiguration } from '../engine/catalogue.js';
import { deleteTags } from '../../registry/tag-store.js';
import { iotArn } from '../../kernel/arn.js';
import { scoped } from '../../store/scoped.js';

interface CheckConfig {
  enabled: boolean;
  configuration?: Record<string, string>;
}
interface Target {
  targetArn?: string;
  roleArn?: string;
  enabled?: boolean;
}
export interface AuditConfiguration {
  roleArn?: string;
  targets: Record<string, Target>;
  checks: Record<string, CheckConfig>;
}

const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/; // docs/decisions.md#m27
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+$/;

async function readAuditConfiguration(ctx: RequestContext): Promise<AuditConfiguration | undefined> {
  const row = await scoped(ctx)
    .selectFrom('audit_configurations')
    .selectAll()
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    roleArn: row.role_arn ?? undefined,
    targets: fromJson(row.notification_targets, {}),
    checks: fromJson(row.check_configurations, {}),
  };
}

/** Canonical names of the checks enabled in the account's configuration. */
async function enabledChecks(ctx: RequestContext): Promise<Set<string>> {
  const config = await readAuditConfiguration(ctx);
  return new Set(Object.entries(config?.checks ?? {}).filter(([, c]) => c.enabled).map(([n]) => n));
}

/** Rejects checks that are not enabled (docs/decisions.md#a19); the names are already canonical. */
export async function requireEnabled(ctx: RequestContext, checks: string[]): Promise<void> {
  const enabled = await enabledChecks(ctx);
  const off = checks.filter((c) => !enabled.has(c));
  if (off.length > 0)
    throw invalidRequest(`Audit checks not enabled in the account audit configuration: ${off.join(', ')}`);
}

async function describe(
  _input: DescribeAccountAuditConfigurationInput,
  ctx: RequestContext,
): Promise<DescribeAccountAuditConfigurationOutput> {
  const config = await readAuditConfiguration(ctx);
  const auditCheckConfigurations = Object.fromEntries(
    CHECK_NAMES.map((name) => {
      const c = config?.checks[name];
      const configuration = c?.configuration && Object.keys(c.configuration).length ? c.configuration : undefined;
      return [name, { enabled: c?.enabled ?? false, configuration }];
    }),
  );
  const targets = config && Object.keys(config.targets).length ? config.targets : undefined;
  return { roleArn: config?.roleArn, auditNotificationTargetConfigurations: targets, auditCheckConfigurations };
}

function mergeTargets(current: Record<string, Target>, sent: Record<string, Target> | undefined): Record<string, Target> {
  const targets = { ...current };
  for (const [key, target] of Object.entries(sent ?? {})) {
    if (target.enabled === true && (target.targetArn === undefined || target.roleArn === undefined))
      throw invalidRequest(`Notification target ${key} is enabled, so it needs both targetArn and roleArn`);
    if (target.targetArn !== undefined && !SNS_TOPIC_ARN.test(target.targetArn))
      throw invalidRequest(`Notification target ${key}: targetArn ${target.targetArn} is not an SNS topic ARN`);
    if (target.roleArn !== undefined && !IAM_ROLE_ARN.test(target.roleArn))
      throw invalidRequest(`Notification target ${key}: roleArn ${target.roleArn} is not an IAM role ARN`);
    targets[key] = { targetArn: target.targetArn, roleArn: target.roleArn, enabled: target.enabled ?? false };
  }
  return targets;
}

/** Scheduled audits that list a check (any spelling), for the "cannot disable" rule. */
async function schedulesUsing(ctx: RequestContext, checkName: string): Promise<string[]> {
  const rows = await scoped(ctx)
    .selectFrom('scheduled_audits')
    .select(['scheduled_audit_name', 'target_check_names'])
    .orderBy('scheduled_audit_name')
    .execute();
  return rows
    .filter((r) => fromJson<string[]>(r.target_check_names, []).some((n) => requireCheckName(n) === checkName))
    .map((r) => r.scheduled_audit_name);
}

async function mergeChecks(
  ctx: RequestContext,
  current: Record<string, CheckConfig>,
  sent: Record<string, { enabled?: boolean; configuration?: Record<string, string> }> | undefined,
): Promise<Record<string, CheckConfig>> {
  const checks = { ...current };
  for (const [given, entry] of Object.entries(sent ?? {})) {
    const name = requireCheckName(given, 'Audit check');
    if (entry.configuration !== undefined) validateCheckConfiguration(name, entry.configuration);
    const enabled = entry.enabled ?? false;
    if (!enabled && current[name]?.enabled) {
      const schedules = await schedulesUsing(ctx, name);
      if (schedules.length > 0)
        throw invalidRequest(`${name} cannot be disabled: scheduled audits ${schedules.join(', ')} use it`);
    }
    // Thresholds survive an entry sent without configuration, and disabling (docs/decisions.md#a4).
    checks[name] = { enabled, configuration: entry.configuration ?? current[name]?.configuration };
  }
  return checks;
}

async function update(
  input: UpdateAccountAuditConfigurationInput,
  ctx: RequestContext,
): Promise<UpdateAccountAuditConfigurationOutput> {
  const current = (await readAuditConfiguration(ctx)) ?? { targets: {}, checks: {} };
  if (input.roleArn !== undefined && !IAM_ROLE_ARN.test(input.roleArn))
    throw invalidRequest(`roleArn ${input.roleArn} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`);
  const roleArn: string | undefined = input.roleArn ?? current.roleArn;
  const checks = await mergeChecks(ctx, current.checks, input.auditCheckConfigurations);
  const targets = mergeTargets(current.targets, input.auditNotificationTargetConfigurations);
  if (current.roleArn === undefined) {
    if (roleArn === undefined) throw invalidRequest('The first audit configuration needs roleArn');
    if (!Object.values(checks).some((c) => c.enabled))
      throw invalidRequest('The first audit configuration must enable at least one audit check');
  }
  const values = {
    role_arn: roleArn ?? null,
    notification_targets: toJson(targets),
    check_configurations: toJson(checks),
  };
  await ctx.db
    .insertInto('audit_configurations')
    .values({ ...scope(ctx), ...values })
    .onConflict((oc) => oc.columns(['account_id', 'region']).doUpdateSet(values))
    .execute();
  return {};
}

async function remove(
  input: DeleteAccountAuditConfigurationInput,
  ctx: RequestContext,
): Promise<DeleteAccountAuditConfigurationOutput> {
  const config = await readAuditConfiguration(ctx);
  if (!config || config.roleArn === undefined)
    throw notFound('The account audit configuration of this account and region has never been set');
  const schedules = await scoped(ctx)
    .selectFrom('scheduled_audits')
    .select('scheduled_audit_name')
    .execute();
  if (schedules.length > 0) {
    if (input.deleteScheduledAudits !== true)
      throw invalidRequest(
        `Scheduled audits exist (${schedules.map((s) => s.scheduled_audit_name).join(', ')}); set deleteScheduledAudits to delete them too`,
      );
    for (const s of schedules) await deleteTags(ctx, iotArn(ctx, 'scheduledaudit', s.scheduled_audit_name));
    await scoped(ctx)
      .deleteFrom('scheduled_audits')
      .execute();
  }
  await scoped(ctx)
    .deleteFrom('audit_configurations')
    .execute();
  return {};
}

export const auditConfigurationHandlers = {
  DescribeAccountAuditConfiguration: describe,
  UpdateAccountAuditConfiguration: update,
  DeleteAccountAuditConfiguration: remove,
} satisfies HandlerTable;
