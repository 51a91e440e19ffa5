// Mitigation actions: Create/Update/Describe/Delete/ListMitigationActions. The task engine reads actions through
// loadActionDefinitions when it snapshots them at task start (docs/decisions.md#m15).
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { HandlerTable, RequestContext } from '../../registry/context.js';
import type {
  MitigationActionParams,
  CreateMitigationActionInput,
  CreateMitigationActionOutput,
  DeleteMitigationActionInput,
  DeleteMitigationActionOutput,
  DescribeMitigationActionInput,
  DescribeMitigationActionOutput,
  ListMitigationActionsInput,
  ListMitigationActionsOutput,
  UpdateMitigationActionInput,
  UpdateMitigationActionOutput,
} from '../../model/types.generated.js';
import { scope } from '../../registry/context.js';
import type { Database, MitigationActionRow } from '../../store/schema.js';
import { alreadyExists, invalidRequest, limitExceeded, notFound } from '../../kernel/errors.js';
import { decodeToken, DEFAULT_PAGE_SIZE, pageOf } from '../../kernel/pagination.js';
import { fromJson } from '../../kernel/json.js';
import { iotArn } from '../../kernel/arn.js';
import { checkTagKeys, deleteTags, listTags, putTags, type Tag } from '../../registry/tag-store.js';
import { registerTaggableResource, rowExists } from '../../registry/tags.js';
import type { ActionDefinition, MitigationActionType } from '../action.js';
import { ACTION_IMPLEMENTATIONS, PARAMS_MEMBER } from '../actions/index.js';
import { checkRoleArn } from '../actions/common.js';
import { scoped } from '../../store/scoped.js';

/** Mitigation actions per account and region [AWS quota] (docs/decisions.md#m20). */
export const MAX_MITIGATION_ACTIONS = 100;

registerTaggableResource('mitigationaction', {
  label: 'Mitigation action',
  exists: rowExists('mitigation_actions', 'action_name'),
});

type ActionParams = MitigationActionParams;
type ParamsMember = keyof MitigationActionParams;

const MEMBER_TYPE = new Map<string, MitigationActionType>(
  Object.entries(PARAMS_MEMBER).map(([type, member]) => [member, type as MitigationActionType]),
);

const arnOf = (ctx: Pick<RequestContext, 'accountId' | 'region'>, name: string) => iotArn(ctx, 'mitigationaction', name);

/** The one member of actionParams decides the action type; zero or several are refused by name. */
function actionTypeOf(actionName: string, params: ActionParams): MitigationActionType {
  const present = (Object.keys(params) as ParamsMember[]).filter((m) => params[m] !== undefined);
  if (present.length === 1) return MEMBER_TYPE.get(present[0]!)!;
  const allowed = [...MEMBER_TYPE.keys()].join(', ');
  if (present.length === 0)
    throw invalidRequest(`Mitigation action ${actionName}: actionParams must set exactly one of ${allowed}, but sets none`);
  throw invalidRequest(
    `Mitigation action ${actionName}: actionParams must set exactly one member, but sets ${present.length}: ${present.join(', ')}`,
  );
}

/** Rules the model cannot express: each action type's module checks its own parameters. */
function checkTypeRules(actionName: string, type: MitigationActionType, p: MitigationActionParams[ParamsMember]): void {
  ACTION_IMPLEMENTATIONS.get(type)!.checkParams?.(p, `Mitigation action ${actionName}`);
}

/** Validates roleArn and actionParams; returns the type and the params as stored (only the member that is set). */
function checkDefinition(actionName: string, roleArn: string, params: ActionParams) {
  checkRoleArn(`Mitigation action ${actionName}: roleArn`, roleArn);
  const actionType = actionTypeOf(actionName, params);
  const member = PARAMS_MEMBER[actionType];
  checkTypeRules(actionName, actionType, params[member]);
  return { actionType, actionParams: { [member]: params[member] } as ActionParams };
}

/** JSON with object keys sorted, so two values compare equal regardless of member order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]))
      : v,
  );
}

/**
 * Tags as a set of key/value pairs, an absent value being the empty string, as the tag store keeps them
 * (docs/decisions.md#m26).
 */
function tagSet(tags: Tag[] | undefined): string {
  return canonical(Object.fromEntries((tags ?? []).map((t) => [t.Key, t.Value ?? ''])));
}

async function findAction(ctx: RequestContext, name: string): Promise<MitigationActionRow | undefined> {
  return scoped(ctx)
    .selectFrom('mitigation_actions')
    .selectAll()
    .where('action_name', '=', name)
    .executeTakeFirst();
}

async function requireAction(ctx: RequestContext, name: string): Promise<MitigationActionRow> {
  const row = await findAction(ctx, name);
  if (!row) throw notFound(`Mitigation action ${name} does not exist`);
  return row;
}

/** A re-create is a retry only when role, parameters and tags all match what exists (docs/decisions.md#m18, #m26). */
async function sameAsExisting(ctx: RequestContext, row: MitigationActionRow, roleArn: string, params: ActionParams, tags?: Tag[]) {
  if (row.role_arn !== roleArn || row.action_params !== canonical(params)) return false;
  return tagSet(await listTags(ctx, arnOf(ctx, row.action_name))) === tagSet(tags);
}

async function countActions(ctx: RequestContext): Promise<number> {
  const r = await scoped(ctx)
    .selectFrom('mitigation_actions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

async function createMitigationAction(
  input: CreateMitigationActionInput,
  ctx: RequestContext,
): Promise<CreateMitigationActionOutput> {
  const name: string = input.actionName;
  const arn = arnOf(ctx, name);
  const tags: Tag[] | undefined = input.tags;
  const { actionType, actionParams } = checkDefinition(name, input.roleArn, input.actionParams);
  if (tags) checkTagKeys(tags.map((t) => t.Key));
  const existing = await findAction(ctx, name);
  if (existing) {
    if (await sameAsExisting(ctx, existing, input.roleArn, actionParams, tags))
      return { actionArn: arn, actionId: existing.action_id };
    throw alreadyExists(
      `Mitigation action ${name} already exists with a different roleArn, actionParams or tags`,
      existing.action_id,
      arn,
    );
  }
  if ((await countActions(ctx)) >= MAX_MITIGATION_ACTIONS)
    throw limitExceeded(
      `Cannot create mitigation action ${name}: this account and region already have ${MAX_MITIGATION_ACTIONS} mitigation actions, the maximum`,
    );
  const actionId = randomUUID();
  await ctx.db
    .insertInto('mitigation_actions')
    .values({
      ...scope(ctx),
      action_name: name,
      action_id: actionId,
      action_type: actionType,
      role_arn: input.roleArn,
      // Stored canonically so the idempotency comparison is a string comparison.
      action_params: canonical(actionParams),
      created_at: ctx.now,
      last_modified_at: ctx.now,
    })
    .execute();
  await putTags(ctx, arn, tags);
  return { actionArn: arn, actionId };
}

async function updateMitigationAction(
  input: UpdateMitigationActionInput,
  ctx: RequestContext,
): Promise<UpdateMitigationActionOutput> {
  const row = await requireAction(ctx, input.actionName);
  const result = { actionArn: arnOf(ctx, row.action_name), actionId: row.action_id };
  // The aws CLI sends {} when only --action-name is given: a successful no-op (docs/decisions.md#m15).
  if (input.roleArn === undefined && input.actionParams === undefined) return result;
  const roleArn: string = input.roleArn ?? row.role_arn;
  // Sent actionParams replace the stored ones, possibly changing the type (docs/decisions.md#m15); omitted ones are
  // kept (they were validated when stored), so only the role needs checking then.
  if (input.actionParams === undefined) checkRoleArn(`Mitigation action ${row.action_name}: roleArn`, roleArn);
  const definition =
    input.actionParams === undefined
      ? { actionType: row.action_type, actionParams: fromJson<ActionParams>(row.action_params, {}) }
      : checkDefinition(row.action_name, roleArn, input.actionParams);
  await scoped(ctx)
    .updateTable('mitigation_actions')
    .set({
      role_arn: roleArn,
      action_type: definition.actionType,
      action_params: canonical(definition.actionParams),
      last_modified_at: ctx.now,
    })
    .where('action_name', '=', row.action_name)
    .execute();
  return result;
}

async function describeMitigationAction(
  input: DescribeMitigationActionInput,
  ctx: RequestContext,
): Promise<DescribeMitigationActionOutput> {
  const row = await requireAction(ctx, input.actionName);
  return {
    actionName: row.action_name,
    actionType: row.action_type as MitigationActionType,
    actionArn: arnOf(ctx, row.action_name),
    actionId: row.action_id,
    roleArn: row.role_arn,
    actionParams: fromJson<ActionParams>(row.action_params, {}),
    creationDate: row.created_at,
    lastModifiedDate: row.last_modified_at,
  };
}

async function deleteMitigationAction(
  input: DeleteMitigationActionInput,
  ctx: RequestContext,
): Promise<DeleteMitigationActionOutput> {
  // Deleting a missing action succeeds (docs/decisions.md#m18); tasks already started keep their snapshot
  // (docs/decisions.md#m15).
  const row = await findAction(ctx, input.actionName);
  if (!row) return {};
  await scoped(ctx)
    .deleteFrom('mitigation_actions')
    .where('action_name', '=', row.action_name)
    .execute();
  await deleteTags(ctx, arnOf(ctx, row.action_name));
  return {};
}

/** The keyset of a ListMitigationActions token: (creationDate, actionName) of the last action returned. */
function listAfter(token: string, filters: unknown): [number, string] {
  const [created, name] = decodeToken('ListMitigationActions', filters, token);
  if (typeof created !== 'number' || typeof name !== 'string')
    throw invalidRequest('nextToken is invalid: it was not issued by ddlocal for ListMitigationActions');
  return [created, name];
}

async function listMitigationActions(
  input: ListMitigationActionsInput,
  ctx: RequestContext,
): Promise<ListMitigationActionsOutput> {
  const filters = { actionType: input.actionType };
  const pageSize: number = input.maxResults ?? DEFAULT_PAGE_SIZE;
  // Newest first; the name breaks ties between actions created in the same millisecond.
  let q = scoped(ctx)
    .selectFrom('mitigation_actions')
    .select(['action_name', 'created_at'])
    .orderBy('created_at', 'desc')
    .orderBy('action_name')
    .limit(pageSize + 1);
  if (filters.actionType !== undefined) q = q.where('action_type', '=', filters.actionType);
  if (input.nextToken !== undefined) {
    const [created, name] = listAfter(input.nextToken, filters);
    q = q.where((eb) =>
      eb.or([eb('created_at', '<', created), eb.and([eb('created_at', '=', created), eb('action_name', '>', name)])]),
    );
  }
  const page = pageOf(await q.execute(), pageSize, 'ListMitigationActions', filters, (r) => [r.created_at, r.action_name]);
  return {
    actionIdentifiers: page.items.map((r) => ({
      actionName: r.action_name,
      actionArn: arnOf(ctx, r.action_name),
      creationDate: r.created_at,
    })),
    nextToken: page.next,
  };
}

/**
 * The current definitions of the named actions in one account and region, for the task engine's snapshot
 * (docs/decisions.md#m15).
 * Names that do not exist are absent from the map; the caller reports them.
 */
export async function loadActionDefinitions(
  db: Kysely<Database>,
  accountId: string,
  region: string,
  names: string[],
): Promise<Map<string, ActionDefinition>> {
  const result = new Map<string, ActionDefinition>();
  if (names.length === 0) return result;
  const rows = await db
    .selectFrom('mitigation_actions')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('region', '=', region)
    .where('action_name', 'in', [...new Set(names)])
    .execute();
  for (const row of rows)
    result.set(row.action_name, {
      name: row.action_name,
      id: row.action_id,
      roleArn: row.role_arn,
      actionType: row.action_type as MitigationActionType,
      actionParams: fromJson<ActionParams>(row.action_params, {}),
    });
  return result;
}

export const mitigationActionHandlers = {
  CreateMitigationAction: createMitigationAction,
  UpdateMitigationAction: updateMitigationAction,
  DescribeMitigationAction: describeMitigationAction,
  DeleteMitigationAction: deleteMitigationAction,
  ListMitigationActions: listMitigationActions,
} satisfies HandlerTable;
