// Things: CreateThing, DescribeThing, ListThings, UpdateThing, DeleteThing.
import { randomUUID } from 'node:crypto';
import type { HandlerTable, RequestContext } from './context.js';
import type {
  CreateThingInput,
  CreateThingOutput,
  DeleteThingInput,
  DeleteThingOutput,
  DescribeThingInput,
  DescribeThingOutput,
  ListThingsInput,
  ListThingsOutput,
  UpdateThingInput,
  UpdateThingOutput,
} from '../model/types.generated.js';
import { scope } from './context.js';
import type { ThingRow } from '../store/schema.js';
import { iotArn } from '../kernel/arn.js';
import { alreadyExists, invalidRequest, notFound, versionConflict } from '../kernel/errors.js';
import { fromJson, toJson } from '../kernel/json.js';
import { decodeToken, DEFAULT_PAGE_SIZE, pageOf } from '../kernel/pagination.js';
import { refreshDynamicMembership } from './dynamic-groups.js';
import { scoped } from '../store/scoped.js';

type Attributes = Record<string, string>;

const MAX_ATTRIBUTES_WITHOUT_TYPE = 3;
const MAX_ATTRIBUTES_WITH_TYPE = 50;

async function findThing(ctx: RequestContext, thingName: string): Promise<ThingRow | undefined> {
  return scoped(ctx)
    .selectFrom('things')
    .selectAll()
    .where('thing_name', '=', thingName)
    .executeTakeFirst();
}

export async function requireThing(ctx: RequestContext, thingName: string): Promise<ThingRow> {
  const thing = await findThing(ctx, thingName);
  if (!thing) throw notFound(`Thing ${thingName} does not exist`);
  return thing;
}

async function requireUsableThingType(ctx: RequestContext, thingTypeName: string): Promise<void> {
  const type = await scoped(ctx)
    .selectFrom('thing_types')
    .select(['deprecated'])
    .where('thing_type_name', '=', thingTypeName)
    .executeTakeFirst();
  if (!type) throw notFound(`Thing type ${thingTypeName} does not exist`);
  if (type.deprecated) throw invalidRequest(`Thing type ${thingTypeName} is deprecated and accepts no new things`);
}

function checkAttributeCount(thingName: string, attributes: Attributes, hasType: boolean) {
  const limit = hasType ? MAX_ATTRIBUTES_WITH_TYPE : MAX_ATTRIBUTES_WITHOUT_TYPE;
  const count = Object.keys(attributes).length;
  if (count > limit)
    throw invalidRequest(
      `Thing ${thingName} would have ${count} attributes; a thing ${hasType ? 'with' : 'without'} a thing type may have at most ${limit}`,
    );
}

function rejectBillingGroup(input: { billingGroupName?: string }) {
  if (input.billingGroupName !== undefined)
    throw invalidRequest('ddlocal does not implement billing groups; remove billingGroupName from the request');
}

/** Applies an AttributePayload to existing attributes: replace, or merge where "" removes a key. */
export function applyAttributePayload(current: Attributes, payload: { attributes?: Attributes; merge?: boolean } | undefined): Attributes {
  if (!payload || payload.attributes === undefined) return current;
  if (!payload.merge) return Object.fromEntries(Object.entries(payload.attributes).filter(([, v]) => v !== ''));
  const merged = { ...current };
  for (const [k, v] of Object.entries(payload.attributes)) {
    if (v === '') delete merged[k];
    else merged[k] = v;
  }
  return merged;
}

function sameAttributes(a: Attributes, b: Attributes): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

async function createThing(input: CreateThingInput, ctx: RequestContext): Promise<CreateThingOutput> {
  rejectBillingGroup(input);
  const thingName: string = input.thingName;
  const typeName: string | undefined = input.thingTypeName;
  const attributes = applyAttributePayload({}, input.attributePayload);
  const arn = iotArn(ctx, 'thing', thingName);
  const existing = await findThing(ctx, thingName);
  if (existing) {
    if ((existing.thing_type_name ?? undefined) === typeName && sameAttributes(fromJson(existing.attributes, {}), attributes))
      return { thingName, thingArn: arn, thingId: existing.thing_id };
    throw alreadyExists(`Thing ${thingName} already exists with a different configuration`, thingName, arn);
  }
  if (typeName !== undefined) await requireUsableThingType(ctx, typeName);
  checkAttributeCount(thingName, attributes, typeName !== undefined);
  const thingId = randomUUID();
  await ctx.db
    .insertInto('things')
    .values({
      ...scope(ctx),
      thing_name: thingName,
      thing_id: thingId,
      thing_type_name: typeName ?? null,
      attributes: toJson(attributes),
      version: 1,
      created_at: ctx.now,
      updated_at: ctx.now,
    })
    .execute();
  await refreshDynamicMembership(ctx, thingName);
  return { thingName, thingArn: arn, thingId };
}

async function describeThing(input: DescribeThingInput, ctx: RequestContext): Promise<DescribeThingOutput> {
  const thing = await requireThing(ctx, input.thingName);
  return {
    defaultClientId: thing.thing_name,
    thingName: thing.thing_name,
    thingId: thing.thing_id,
    thingArn: iotArn(ctx, 'thing', thing.thing_name),
    thingTypeName: thing.thing_type_name ?? undefined,
    attributes: fromJson(thing.attributes, {}),
    version: thing.version,
  };
}

async function listThings(input: ListThingsInput, ctx: RequestContext): Promise<ListThingsOutput> {
  if (input.attributeValue !== undefined && input.attributeName === undefined)
    throw invalidRequest('attributeValue requires attributeName');
  const filters = {
    attributeName: input.attributeName,
    attributeValue: input.attributeValue,
    prefix: input.usePrefixAttributeValue === true,
    thingTypeName: input.thingTypeName,
  };
  const pageSize: number = input.maxResults ?? DEFAULT_PAGE_SIZE;
  let after: string | undefined = input.nextToken ? String(decodeToken('ListThings', filters, input.nextToken)[0]) : undefined;

  const matches = (row: ThingRow) => {
    if (filters.attributeName === undefined) return true;
    const value = fromJson<Attributes>(row.attributes, {})[filters.attributeName];
    if (value === undefined) return false;
    if (filters.attributeValue === undefined) return true;
    return filters.prefix ? value.startsWith(filters.attributeValue) : value === filters.attributeValue;
  };

  // Attribute filters are evaluated here rather than in SQL (attributes are a JSON column), scanning in name order.
  const found: ThingRow[] = [];
  const batch = Math.max(pageSize + 1, 200);
  for (;;) {
    let q = scoped(ctx)
      .selectFrom('things')
      .selectAll()
      .orderBy('thing_name')
      .limit(batch);
    if (after !== undefined) q = q.where('thing_name', '>', after);
    if (filters.thingTypeName !== undefined) q = q.where('thing_type_name', '=', filters.thingTypeName);
    const rows = await q.execute();
    for (const row of rows) if (matches(row)) found.push(row);
    if (found.length > pageSize || rows.length < batch) break;
    after = rows[rows.length - 1]!.thing_name;
  }
  const page = pageOf(found, pageSize, 'ListThings', filters, (row) => [row.thing_name]);
  return {
    things: page.items.map((row) => ({
      thingName: row.thing_name,
      thingTypeName: row.thing_type_name ?? undefined,
      thingArn: iotArn(ctx, 'thing', row.thing_name),
      attributes: fromJson(row.attributes, {}),
      version: row.version,
    })),
    nextToken: page.next,
  };
}

async function updateThing(input: UpdateThingInput, ctx: RequestContext): Promise<UpdateThingOutput> {
  const thing = await requireThing(ctx, input.thingName);
  if (input.expectedVersion !== undefined && input.expectedVersion !== thing.version)
    throw versionConflict(`Thing ${thing.thing_name} is at version ${thing.version}, not the expected version ${input.expectedVersion}`);
  if (input.thingTypeName !== undefined && input.removeThingType === true)
    throw invalidRequest('thingTypeName and removeThingType=true cannot be used together');
  let typeName = thing.thing_type_name;
  if (input.removeThingType === true) typeName = null;
  if (input.thingTypeName !== undefined && input.thingTypeName !== typeName) {
    await requireUsableThingType(ctx, input.thingTypeName);
    typeName = input.thingTypeName;
  }
  const attributes = applyAttributePayload(fromJson(thing.attributes, {}), input.attributePayload);
  checkAttributeCount(thing.thing_name, attributes, typeName !== null);
  await scoped(ctx)
    .updateTable('things')
    .set({ thing_type_name: typeName, attributes: toJson(attributes), version: thing.version + 1, updated_at: ctx.now })
    .where('thing_name', '=', thing.thing_name)
    .execute();
  await refreshDynamicMembership(ctx, thing.thing_name);
  return {};
}

async function deleteThing(input: DeleteThingInput, ctx: RequestContext): Promise<DeleteThingOutput> {
  const thing = await findThing(ctx, input.thingName);
  if (!thing) return {};
  if (input.expectedVersion !== undefined && input.expectedVersion !== thing.version)
    throw versionConflict(`Thing ${thing.thing_name} is at version ${thing.version}, not the expected version ${input.expectedVersion}`);
  const principal = await scoped(ctx)
    .selectFrom('thing_principals')
    .select('principal')
    .where('thing_name', '=', thing.thing_name)
    .executeTakeFirst();
  // AWS's own wording (docs/decisions.md#r8).
  if (principal) throw invalidRequest(`Cannot delete. Thing ${thing.thing_name} is still attached to one or more principals`);
  const where = { account_id: ctx.accountId, region: ctx.region, thing_name: thing.thing_name };
  await ctx.db
    .deleteFrom('thing_group_members')
    .where('account_id', '=', where.account_id)
    .where('region', '=', where.region)
    .where('thing_name', '=', where.thing_name)
    .execute();
  await ctx.db
    .deleteFrom('things')
    .where('account_id', '=', where.account_id)
    .where('region', '=', where.region)
    .where('thing_name', '=', where.thing_name)
    .execute();
  return {};
}

export const thingHandlers = {
  CreateThing: createThing,
  DescribeThing: describeThing,
  ListThings: listThings,
  UpdateThing: updateThing,
  DeleteThing: deleteThing,
} satisfies HandlerTable;
