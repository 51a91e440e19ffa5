// TagResource, UntagResource, ListTagsForResource (docs/decisions.md#r12) over the shared tag store.
//
// A resource ARN is resolved through TAGGABLE_RESOURCES: the IoT ARN resource type → how to check that the
// resource exists. Areas that add taggable resources (mitigation actions, scheduled audits) add one entry, either
// here or with registerTaggableResource from their own module.
import type { Transaction } from 'kysely';
import type { HandlerTable, RequestContext } from './context.js';
import type {
  ListTagsForResourceInput,
  ListTagsForResourceOutput,
  TagResourceInput,
  TagResourceOutput,
  UntagResourceInput,
  UntagResourceOutput,
} from '../model/types.generated.js';
import type { Database } from '../store/schema.js';
import { iotArn, type IotResourceType } from '../kernel/arn.js';
import { invalidRequest, notFound } from '../kernel/errors.js';
import { isReservedTagKey, listTags, MAX_TAGS_PER_RESOURCE, putTags, removeTags } from './tag-store.js';

export interface TaggableResource {
  /** How messages name the resource kind, e.g. "Thing group". */
  label: string;
  /** The id as the owning module stores it (e.g. certificate ids in lower case); identity when absent. */
  canonicalId?: (id: string) => string;
  exists: (ctx: RequestContext, id: string) => Promise<boolean>;
}

/** An existence check for resources keyed by one name/id column within the caller's account and region. */
export function rowExists<T extends keyof Database>(table: T, column: keyof Database[T] & string) {
  const col: string = column;
  return async (ctx: RequestContext, id: string): Promise<boolean> => {
    // Table and column are chosen at run time; the generic signature above keeps them valid names.
    const db = ctx.db as unknown as Transaction<any>;
    const row = await db
      .selectFrom(table as string)
      .select(col)
      .where('account_id', '=', ctx.accountId)
      .where('region', '=', ctx.region)
      .where(col, '=', id)
      .executeTakeFirst();
    return row !== undefined;
  };
}

const lowerCase = (id: string) => id.toLowerCase();

const TAGGABLE_RESOURCES: Partial<Record<IotResourceType, TaggableResource>> = {
  thinggroup: { label: 'Thing group', exists: rowExists('thing_groups', 'group_name') },
  thingtype: { label: 'Thing type', exists: rowExists('thing_types', 'thing_type_name') },
  policy: { label: 'Policy', exists: rowExists('policies', 'policy_name') },
  rolealias: { label: 'Role alias', exists: rowExists('role_aliases', 'role_alias') },
  // Certificate ids in input compare case-insensitively (docs/decisions.md#m19).
  cacert: { label: 'CA certificate', canonicalId: lowerCase, exists: rowExists('ca_certificates', 'certificate_id') },
};

export function registerTaggableResource(type: IotResourceType, resource: TaggableResource): void {
  TAGGABLE_RESOURCES[type] = resource;
}

// arn:<partition>:iot:<region>:<account>:<type>/<id>
const IOT_ARN = /^arn:([a-z-]+):iot:([^:]*):([^:]*):([a-z]+)\/(.+)$/;

/**
 * Resolves a tag target to the canonical ARN its tags are stored under. Not an IoT ARN, or a resource type that
 * cannot carry tags → InvalidRequestException; another partition, account or region, or a missing resource →
 * ResourceNotFoundException (docs/decisions.md#w2).
 */
async function resolveTaggableArn(ctx: RequestContext, arn: string): Promise<string> {
  const m = IOT_ARN.exec(arn);
  if (!m) throw invalidRequest(`${arn} is not an AWS IoT resource ARN (arn:aws:iot:<region>:<account>:<type>/<id>)`);
  const [, partition, region, account, type, rawId] = m as unknown as [string, string, string, string, string, string];
  const resource = Object.hasOwn(TAGGABLE_RESOURCES, type) ? TAGGABLE_RESOURCES[type as IotResourceType] : undefined;
  if (!resource)
    throw invalidRequest(
      `Resources of type ${type} cannot be tagged; taggable types are ${Object.keys(TAGGABLE_RESOURCES).join(', ')}`,
    );
  const id = resource.canonicalId ? resource.canonicalId(rawId) : rawId;
  if (partition !== 'aws' || region !== ctx.region || account !== ctx.accountId)
    throw notFound(`${resource.label} ${rawId} does not exist in account ${ctx.accountId}, region ${ctx.region} (${arn})`);
  if (!(await resource.exists(ctx, id))) throw notFound(`${resource.label} ${rawId} does not exist (${arn})`);
  return iotArn(ctx, type as IotResourceType, id);
}

async function tagResource(input: TagResourceInput, ctx: RequestContext): Promise<TagResourceOutput> {
  const arn = await resolveTaggableArn(ctx, input.resourceArn);
  await putTags(ctx, arn, input.tags);
  return {};
}

async function untagResource(input: UntagResourceInput, ctx: RequestContext): Promise<UntagResourceOutput> {
  const arn = await resolveTaggableArn(ctx, input.resourceArn);
  const keys: string[] = input.tagKeys;
  for (const key of keys)
    if (isReservedTagKey(key)) throw invalidRequest(`Tag key ${key} is reserved: keys starting with aws: cannot be used`);
  await removeTags(ctx, arn, keys);
  return {};
}

async function listTagsForResource(
  input: ListTagsForResourceInput,
  ctx: RequestContext,
): Promise<ListTagsForResourceOutput> {
  // A resource has at most MAX_TAGS_PER_RESOURCE tags, all returned in one page, so ddlocal never issues a token.
  if (input.nextToken !== undefined)
    throw invalidRequest(`nextToken is invalid: ListTagsForResource returns all (at most ${MAX_TAGS_PER_RESOURCE}) tags in one page`);
  const arn = await resolveTaggableArn(ctx, input.resourceArn);
  return { tags: await listTags(ctx, arn) };
}

export const tagHandlers = {
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsForResource: listTagsForResource,
} satisfies HandlerTable;
