// Create/Update/Delete/Describe/ListScheduledAudits. The audit runner (src/audit/engine/engine.ts) starts their
// runs on ddlocal's clock.
import type { HandlerTable, RequestContext } from '../../registry/context.js';
import type {
  AuditFrequency,
  DayOfWeek,
  CreateScheduledAuditInput,
  CreateScheduledAuditOutput,
  DeleteScheduledAuditInput,
  DeleteScheduledAuditOutput,
  DescribeScheduledAuditInput,
  DescribeScheduledAuditOutput,
  ListScheduledAuditsInput,
  ListScheduledAuditsOutput,
  UpdateScheduledAuditInput,
  UpdateScheduledAuditOutput,
  ScheduledAuditMetadata,
} from '../../model/types.generated.js';
import { scope } from '../../registry/context.js';
import type { ScheduledAuditRow } from '../../store/schema.js';
import { alreadyExists, invalidRequest, limitExceeded, notFound } from '../../kernel/errors.js';
import { decodeToken, DEFAULT_PAGE_SIZE, pageOf } from '../../kernel/pagination.js';
import { fromJson, toJson } from '../../kernel/json.js';
import { iotArn } from '../../kernel/arn.js';
import { deleteTags, putTags } from '../../registry/tag-store.js';
import { registerTaggableResource, rowExists } from '../../registry/tags.js';
import { canonicalTargetChecks } from '../engine/catalogue.js';
import { requireEnabled } from './configuration.js';
import { scoped } from '../../store/scoped.js';

/** Scheduled audits per account and region: the AWS quota (docs/decisions.md#m20). */
const MAX_SCHEDULED_AUDITS = 5;

registerTaggableResource('scheduledaudit', {
  label: 'Scheduled audit',
  exists: rowExists('scheduled_audits', 'scheduled_audit_name'),
});

interface ScheduleFields {
  frequency: string;
  dayOfMonth?: string;
  dayOfWeek?: string;
  targetCheckNames: string[];
}

async function findScheduledAudit(ctx: RequestContext, name: string): Promise<ScheduledAuditRow | undefined> {
  return scoped(ctx)
    .selectFrom('scheduled_audits')
    .selectAll()
    .where('scheduled_audit_name', '=', name)
    .executeTakeFirst();
}

async function requireScheduledAudit(ctx: RequestContext, name: string): Promise<ScheduledAuditRow> {
  const row = await findScheduledAudit(ctx, name);
  if (!row) throw notFound(`Scheduled audit ${name} does not exist`);
  return row;
}

/** The create rules (docs/decisions.md#a27, #a31, #a19), also applied to the merged result of an update. */
async function checkSchedule(ctx: RequestContext, name: string, s: ScheduleFields): Promise<void> {
  const weekly = s.frequency === 'WEEKLY' || s.frequency === 'BIWEEKLY';
  if (s.frequency === 'MONTHLY' && s.dayOfMonth === undefined)
    throw invalidRequest(`Scheduled audit ${name}: a MONTHLY audit needs dayOfMonth`);
  if (s.frequency !== 'MONTHLY' && s.dayOfMonth !== undefined)
    throw invalidRequest(`Scheduled audit ${name}: dayOfMonth applies only to MONTHLY audits, not ${s.frequency}`);
  if (weekly && s.dayOfWeek === undefined)
    throw invalidRequest(`Scheduled audit ${name}: a ${s.frequency} audit needs dayOfWeek`);
  if (!weekly && s.dayOfWeek !== undefined)
    throw invalidRequest(`Scheduled audit ${name}: dayOfWeek applies only to WEEKLY and BIWEEKLY audits, not ${s.frequency}`);
  await requireEnabled(ctx, canonicalTargetChecks(s.targetCheckNames));
}

const arnOf = (ctx: RequestContext, name: string) => iotArn(ctx, 'scheduledaudit', name);

async function createScheduledAudit(
  input: CreateScheduledAuditInput,
  ctx: RequestContext,
): Promise<CreateScheduledAuditOutput> {
  const name: string = input.scheduledAuditName;
  const arn = arnOf(ctx, name);
  if (await findScheduledAudit(ctx, name)) throw alreadyExists(`Scheduled audit ${name} already exists`, name, arn);
  const fields: ScheduleFields = {
    frequency: input.frequency,
    dayOfMonth: input.dayOfMonth,
    dayOfWeek: input.dayOfWeek,
    targetCheckNames: input.targetCheckNames,
  };
  await checkSchedule(ctx, name, fields);
  const count = await scoped(ctx)
    .selectFrom('scheduled_audits')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  if (Number(count.n) >= MAX_SCHEDULED_AUDITS)
    throw limitExceeded(`This account and region already have ${MAX_SCHEDULED_AUDITS} scheduled audits, the maximum`);
  await ctx.db
    .insertInto('scheduled_audits')
    .values({
      ...scope(ctx),
      scheduled_audit_name: name,
      frequency: fields.frequency,
      day_of_month: fields.dayOfMonth ?? null,
      day_of_week: fields.dayOfWeek ?? null,
      target_check_names: toJson(fields.targetCheckNames),
      created_at: ctx.now,
      last_due: ctx.now,
    })
    .execute();
  await putTags(ctx, arn, input.tags);
  return { scheduledAuditArn: arn };
}

async function updateScheduledAudit(
  input: UpdateScheduledAuditInput,
  ctx: RequestContext,
): Promise<UpdateScheduledAuditOutput> {
  const row = await requireScheduledAudit(ctx, input.scheduledAuditName);
  const frequency: string = input.frequency ?? row.frequency;
  // Day fields that no longer fit a new frequency are dropped unless this request sends them (docs/decisions.md#a27).
  const keepMonth = frequency === 'MONTHLY';
  const keepWeek = frequency === 'WEEKLY' || frequency === 'BIWEEKLY';
  const fields: ScheduleFields = {
    frequency,
    dayOfMonth: input.dayOfMonth ?? (keepMonth ? row.day_of_month ?? undefined : undefined),
    dayOfWeek: input.dayOfWeek ?? (keepWeek ? row.day_of_week ?? undefined : undefined),
    targetCheckNames: input.targetCheckNames ?? fromJson<string[]>(row.target_check_names, []),
  };
  await checkSchedule(ctx, row.scheduled_audit_name, fields);
  await scoped(ctx)
    .updateTable('scheduled_audits')
    .set({
      frequency: fields.frequency,
      day_of_month: fields.dayOfMonth ?? null,
      day_of_week: fields.dayOfWeek ?? null,
      target_check_names: toJson(fields.targetCheckNames),
    })
    .where('scheduled_audit_name', '=', row.scheduled_audit_name)
    .execute();
  return { scheduledAuditArn: arnOf(ctx, row.scheduled_audit_name) };
}

async function deleteScheduledAudit(
  input: DeleteScheduledAuditInput,
  ctx: RequestContext,
): Promise<DeleteScheduledAuditOutput> {
  const row = await requireScheduledAudit(ctx, input.scheduledAuditName);
  // Tasks it produced remain.
  await scoped(ctx)
    .deleteFrom('scheduled_audits')
    .where('scheduled_audit_name', '=', row.scheduled_audit_name)
    .execute();
  await deleteTags(ctx, arnOf(ctx, row.scheduled_audit_name));
  return {};
}

function metadata(ctx: RequestContext, row: ScheduledAuditRow): ScheduledAuditMetadata {
  return {
    scheduledAuditName: row.scheduled_audit_name,
    scheduledAuditArn: arnOf(ctx, row.scheduled_audit_name),
    frequency: row.frequency as AuditFrequency,
    dayOfMonth: row.day_of_month ?? undefined,
    dayOfWeek: (row.day_of_week ?? undefined) as DayOfWeek | undefined,
  };
}

async function describeScheduledAudit(
  input: DescribeScheduledAuditInput,
  ctx: RequestContext,
): Promise<DescribeScheduledAuditOutput> {
  const row = await requireScheduledAudit(ctx, input.scheduledAuditName);
  return { ...metadata(ctx, row), targetCheckNames: fromJson<string[]>(row.target_check_names, []) };
}

async function listScheduledAudits(
  input: ListScheduledAuditsInput,
  ctx: RequestContext,
): Promise<ListScheduledAuditsOutput> {
  const pageSize: number = input.maxResults ?? DEFAULT_PAGE_SIZE;
  let q = scoped(ctx)
    .selectFrom('scheduled_audits')
    .selectAll()
    .orderBy('scheduled_audit_name')
    .limit(pageSize + 1);
  if (input.nextToken !== undefined)
    q = q.where('scheduled_audit_name', '>', String(decodeToken('ListScheduledAudits', {}, input.nextToken)[0]));
  const page = pageOf(await q.execute(), pageSize, 'ListScheduledAudits', {}, (r) => [r.scheduled_audit_name]);
  return { scheduledAudits: page.items.map((r) => metadata(ctx, r)), nextToken: page.next };
}

export const scheduledAuditHandlers = {
  CreateScheduledAudit: createScheduledAudit,
  UpdateScheduledAudit: updateScheduledAudit,
  DeleteScheduledAudit: deleteScheduledAudit,
  DescribeScheduledAudit: describeScheduledAudit,
  ListScheduledAudits: listScheduledAudits,
} satisfies HandlerTable;
