// Thing types: CreateThingType, DescribeThingType, ListThingTypes, UpdateThingType,
// DeprecateThingType, DeleteThingType. Which types a thing may use (unknown → RNF, deprecated → InvalidRequest) is
// checked in things.ts, which reads the same table.
import { randomUUID } from 'node:crypto';
import type { HandlerTable, RequestContext } from './context.js';
import type {
  CreateThingTypeInput,
  CreateThingTypeOutput,
  DeleteThingTypeInput,
  DeleteThingTypeOutput,
  DeprecateThingTypeInput,
  DeprecateThingTypeOutput,
  DescribeThingTypeInput,
  DescribeThingTypeOutput,
  ListThingTypesInput,
  ListThingTypesOutput,
  UpdateThingTypeInput,
  UpdateThingTypeOutput,
} from '../model/types.generated.js';
import { scope } from './context.js';
import type { ThingTypeRow } from '../store/schema.js';
import { iotArn } from '../kernel/arn.js';
import { alreadyExists, invalidRequest, notFound } from '../kernel/errors.js';
import { fromJson, toJson } from '../kernel/json.js';
import { decodeToken, DEFAULT_PAGE_SIZE, pageOf } from '../kernel/pagination.js';
import { deleteTags, putTags } from './tag-store.js';
import { scoped } from '../store/scoped.js';

const MAX_SEARCHABLE_ATTRIBUTES = 3;
/** A type must have been deprecated this long before it can be deleted [AWS]. */
const DELETE_AFTER_DEPRECATION_MS = 5 * 60 * 1000;

interface PropagatingAttribute {
  userPropertyKey?: string;
  thingAttribute?: string;
  connectionAttribute?: string;
}

interface ThingTypeProperties {
  thingTypeDescription?: string;
  searchableAttributes?: string[];
  mqtt5Configuration?: { propagatingAttributes?: PropagatingAttribute[] };
}

const typeArn = (ctx: RequestContext, name: string) => iotArn(ctx, 'thingtype', name);

async function findThingType(ctx: RequestContext, name: string): Promise<ThingTypeRow | undefined> {
  return scoped(ctx)
    .selectFrom('thing_types')
    .selectAll()
    .where('thing_type_name', '=', name)
    .executeTakeFirst();
}

async function requireThingType(ctx: RequestContext, name: string): Promise<ThingTypeRow> {
  const type = await findThingType(ctx, name);
  if (!type) throw notFound(`Thing type ${name} does not exist`);
  return type;
}

/** The semantic rules the model cannot express: at most 3 searchable attributes, well-formed propagating attributes. */
function checkProperties(name: string, props: ThingTypeProperties | undefined): void {
  const searchable = props?.searchableAttributes ?? [];
  if (searchable.length > MAX_SEARCHABLE_ATTRIBUTES)
    throw invalidRequest(
      `Thing type ${name} would have ${searchable.length} searchable attributes; a thing type may have at most ${MAX_SEARCHABLE_ATTRIBUTES}`,
    );
  if (new Set(searchable).size !== searchable.length)
    throw invalidRequest(`Thing type ${name}: searchableAttributes lists an attribute more than once`);
  for (const [i, p] of (props?.mqtt5Configuration?.propagatingAttributes ?? []).entries()) {
    // A propagated user property needs a key and exactly one source, or there is nothing well-defined to send.
    if (p.userPropertyKey === undefined)
      throw invalidRequest(`Thing type ${name}: mqtt5Configuration.propagatingAttributes[${i}] has no userPropertyKey`);
    if ((p.thingAttribute === undefined) === (p.connectionAttribute === undefined))
      throw invalidRequest(
        `Thing type ${name}: mqtt5Configuration.propagatingAttributes[${i}] must have exactly one of thingAttribute and connectionAttribute`,
      );
  }
}

function propertiesOf(row: ThingTypeRow): ThingTypeProperties {
  return {
    thingTypeDescription: row.description ?? undefined,
    searchableAttributes: fromJson<string[] | undefined>(row.searchable_attributes, undefined),
    mqtt5Configuration: fromJson<ThingTypeProperties['mqtt5Configuration']>(row.mqtt5_configuration, undefined),
  };
}

function metadataOf(row: ThingTypeRow) {
  return {
    deprecated: row.deprecated === 1,
    deprecationDate: row.deprecation_date ?? undefined,
    creationDate: row.created_at,
  };
}

const jsonOrNull = (value: unknown) => (value === undefined ? null : toJson(value));

async function createThingType(input: CreateThingTypeInput, ctx: RequestContext): Promise<CreateThingTypeOutput> {
  const name: string = input.thingTypeName;
  const props: ThingTypeProperties | undefined = input.thingTypeProperties;
  const arn = typeArn(ctx, name);
  if (await findThingType(ctx, name)) throw alreadyExists(`Thing type ${name} already exists`, name, arn);
  checkProperties(name, props);
  const thingTypeId = randomUUID();
  await ctx.db
    .insertInto('thing_types')
    .values({
      ...scope(ctx),
      thing_type_name: name,
      thing_type_id: thingTypeId,
      description: props?.thingTypeDescription ?? null,
      searchable_attributes: jsonOrNull(props?.searchableAttributes),
      mqtt5_configuration: jsonOrNull(props?.mqtt5Configuration),
      deprecated: 0,
      deprecation_date: null,
      created_at: ctx.now,
    })
    .execute();
  await putTags(ctx, arn, input.tags);
  return { thingTypeName: name, thingTypeArn: arn, thingTypeId };
}

async function describeThingType(input: DescribeThingTypeInput, ctx: RequestContext): Promise<DescribeThingTypeOutput> {
  const row = await requireThingType(ctx, input.thingTypeName);
  return {
    thingTypeName: row.thing_type_name,
    thingTypeId: row.thing_type_id,
    thingTypeArn: typeArn(ctx, row.thing_type_name),
    thingTypeProperties: propertiesOf(row),
    thingTypeMetadata: metadataOf(row),
  };
}

async function listThingTypes(input: ListThingTypesInput, ctx: RequestContext): Promise<ListThingTypesOutput> {
  const filters = { thingTypeName: input.thingTypeName };
  const pageSize: number = input.maxResults ?? DEFAULT_PAGE_SIZE;
  const after = input.nextToken ? String(decodeToken('ListThingTypes', filters, input.nextToken)[0]) : undefined;
  let q = scoped(ctx)
    .selectFrom('thing_types')
    .selectAll()
    .orderBy('thing_type_name')
    .limit(pageSize + 1);
  if (filters.thingTypeName !== undefined) q = q.where('thing_type_name', '=', filters.thingTypeName);
  if (after !== undefined) q = q.where('thing_type_name', '>', after);
  const page = pageOf(await q.execute(), pageSize, 'ListThingTypes', filters, (r) => [r.thing_type_name]);
  return {
    thingTypes: page.items.map((row) => ({
      thingTypeName: row.thing_type_name,
      thingTypeArn: typeArn(ctx, row.thing_type_name),
      thingTypeProperties: propertiesOf(row),
      thingTypeMetadata: metadataOf(row),
    })),
    nextToken: page.next,
  };
}

/** Members present in thingTypeProperties replace the stored ones; absent members are kept. */
async function updateThingType(input: UpdateThingTypeInput, ctx: RequestContext): Promise<UpdateThingTypeOutput> {
  const row = await requireThingType(ctx, input.thingTypeName);
  const props: ThingTypeProperties = input.thingTypeProperties ?? {};
  const merged = { ...propertiesOf(row), ...Object.fromEntries(Object.entries(props).filter(([, v]) => v !== undefined)) };
  checkProperties(row.thing_type_name, merged);
  await scoped(ctx)
    .updateTable('thing_types')
    .set({
      description: merged.thingTypeDescription ?? null,
      searchable_attributes: jsonOrNull(merged.searchableAttributes),
      mqtt5_configuration: jsonOrNull(merged.mqtt5Configuration),
    })
    .where('thing_type_name', '=', row.thing_type_name)
    .execute();
  return {};
}

/**
 * Deprecating an already deprecated type keeps its original deprecation date, so repeating the call cannot push the
 * earliest deletion time back; undoDeprecate on a type in use is allowed (it only re-opens the type to new things).
 */
async function deprecateThingType(
  input: DeprecateThingTypeInput,
  ctx: RequestContext,
): Promise<DeprecateThingTypeOutput> {
  const row = await requireThingType(ctx, input.thingTypeName);
  const undo = input.undoDeprecate === true;
  if (undo === (row.deprecated === 0)) return {};
  await scoped(ctx)
    .updateTable('thing_types')
    .set(undo ? { deprecated: 0, deprecation_date: null } : { deprecated: 1, deprecation_date: ctx.now })
    .where('thing_type_name', '=', row.thing_type_name)
    .execute();
  return {};
}

async function deleteThingType(input: DeleteThingTypeInput, ctx: RequestContext): Promise<DeleteThingTypeOutput> {
  const row = await requireThingType(ctx, input.thingTypeName);
  const name = row.thing_type_name;
  if (row.deprecated !== 1 || row.deprecation_date === null)
    throw invalidRequest(`Thing type ${name} is not deprecated; deprecate it and wait 5 minutes before deleting it`);
  const waitMs = row.deprecation_date + DELETE_AFTER_DEPRECATION_MS - ctx.now;
  if (waitMs > 0)
    throw invalidRequest(
      `Thing type ${name} was deprecated less than 5 minutes ago; it can be deleted in ${Math.ceil(waitMs / 1000)} seconds`,
    );
  const user = await scoped(ctx)
    .selectFrom('things')
    .select('thing_name')
    .where('thing_type_name', '=', name)
    .orderBy('thing_name')
    .executeTakeFirst();
  if (user)
    throw invalidRequest(`Thing type ${name} is still used by things (e.g. ${user.thing_name}); remove their thing type first`);
  await scoped(ctx)
    .deleteFrom('thing_types')
    .where('thing_type_name', '=', name)
    .execute();
  await deleteTags(ctx, typeArn(ctx, name));
  return {};
}

export const thingTypeHandlers = {
  CreateThingType: createThingType,
  DescribeThingType: describeThingType,
  ListThingTypes: listThingTypes,
  UpdateThingType: updateThingType,
  DeprecateThingType: deprecateThingType,
  DeleteThingType: deleteThingType,
} satisfies HandlerTable;
