// Thing groups: static and dynamic group CRUD and ListThingGroups. Membership operations
// live in thing-group-membership.ts; dynamic membership computation in dynamic-groups.ts.
//
// Every static group stores its root (root_name) so the same-hierarchy rule and descendant walks need one query;
// the parent is fixed at creation, so the root never changes.
import { randomUUID } from 'node:crypto';
import type { HandlerTable, RequestContext } from './context.js';
import type {
  ThingGroupProperties,
  CreateDynamicThingGroupInput,
  CreateDynamicThingGroupOutput,
  CreateThingGroupInput,
  CreateThingGroupOutput,
  DeleteDynamicThingGroupInput,
  DeleteDynamicThingGroupOutput,
  DeleteThingGroupInput,
  DeleteThingGroupOutput,
  DescribeThingGroupInput,
  DescribeThingGroupOutput,
  ListThingGroupsInput,
  ListThingGroupsOutput,
  UpdateDynamicThingGroupInput,
  UpdateDynamicThingGroupOutput,
  UpdateThingGroupInput,
  UpdateThingGroupOutput,
} from '../model/types.generated.js';
import { scope } from './context.js';
import type { ThingGroupRow } from '../store/schema.js';
import { iotArn } from '../kernel/arn.js';
import { alreadyExists, invalidRequest, limitExceeded, notFound, versionConflict } from '../kernel/errors.js';
import { fromJson, toJson } from '../kernel/json.js';
import { decodeToken, DEFAULT_PAGE_SIZE, pageOf } from '../kernel/pagination.js';
import { applyAttributePayload } from './things.js';
import { deleteTags, listTags, putTags, type Tag } from './tag-store.js';
import { parseQuery } from './dynamic-query.js';
import { recomputeDynamicGroup, refreshDynamicMembershipOf } from './dynamic-groups.js';
import { scoped } from '../store/scoped.js';

type Attributes = Record<string, string>;

/** Levels of a static hierarchy, the root being level 1 [AWS quotas]. */
const MAX_HIERARCHY_DEPTH = 7;
const MAX_DIRECT_CHILDREN = 100;
const MAX_DYNAMIC_GROUPS = 100;
const SUPPORTED_INDEX = 'AWS_Things';
const SUPPORTED_QUERY_VERSION = '2017-09-30';

export const groupArn = (ctx: RequestContext, name: string) => iotArn(ctx, 'thinggroup', name);

export async function findGroup(ctx: RequestContext, groupName: string): Promise<ThingGroupRow | undefined> {
  return scoped(ctx)
    .selectFrom('thing_groups')
    .selectAll()
    .where('group_name', '=', groupName)
    .executeTakeFirst();
}

export async function requireGroup(ctx: RequestContext, groupName: string): Promise<ThingGroupRow> {
  const group = await findGroup(ctx, groupName);
  if (!group) throw notFound(`Thing group ${groupName} does not exist`);
  return group;
}

/** The ancestors of a group, from the root down to its direct parent (empty for a root group). */
async function ancestorsOf(ctx: RequestContext, group: ThingGroupRow): Promise<ThingGroupRow[]> {
  const chain: ThingGroupRow[] = [];
  let parentName = group.parent_name;
  // The depth limit bounds this walk; the guard only protects against a corrupted store.
  while (parentName !== null && chain.length <= MAX_HIERARCHY_DEPTH) {
    const parent = await findGroup(ctx, parentName);
    if (!parent) break;
    chain.unshift(parent);
    parentName = parent.parent_name;
  }
  return chain;
}

/** Names of all descendants of a static group (children, grandchildren, …), in no particular order. */
export async function descendantNames(ctx: RequestContext, group: ThingGroupRow): Promise<string[]> {
  if (group.is_dynamic) return [];
  const rows = await scoped(ctx)
    .selectFrom('thing_groups')
    .select(['group_name', 'parent_name'])
    .where('root_name', '=', group.root_name)
    .where('is_dynamic', '=', 0)
    .execute();
  const children = new Map<string, string[]>();
  for (const r of rows) {
    if (r.parent_name === null) continue;
    const list = children.get(r.parent_name) ?? [];
    list.push(r.group_name);
    children.set(r.parent_name, list);
  }
  const out: string[] = [];
  const queue = [group.group_name];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

function groupProperties(row: ThingGroupRow) {
  const attributes = fromJson<Attributes>(row.attributes, {});
  return {
    thingGroupDescription: row.description ?? undefined,
    attributePayload: Object.keys(attributes).length > 0 ? { attributes } : undefined,
  };
}

function checkExpectedVersion(group: ThingGroupRow, expected: number | undefined): void {
  if (expected !== undefined && expected !== group.version)
    throw versionConflict(`Thing group ${group.group_name} is at version ${group.version}, not the expected version ${expected}`);
}

function sameAttributes(a: Attributes, b: Attributes): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

/** True when every requested tag is already on the resource with the same value. */
async function tagsPresent(ctx: RequestContext, arn: string, tags: Tag[] | undefined): Promise<boolean> {
  if (!tags || tags.length === 0) return true;
  const current = new Map((await listTags(ctx, arn)).map((t) => [t.Key, t.Value]));
  return tags.every((t) => current.get(t.Key) === (t.Value ?? ''));
}

function alreadyExistsError(ctx: RequestContext, existing: ThingGroupRow, detail: string) {
  const kind = existing.is_dynamic ? 'dynamic thing group' : 'thing group';
  return alreadyExists(`A ${kind} named ${existing.group_name} already exists${detail}`, existing.group_name, groupArn(ctx, existing.group_name));
}

// ---------------------------------------------------------------------------------------------------------------
// Static groups

/**
 * Validates the parent of a new static group and returns its root; every violation is InvalidRequest
 * (docs/decisions.md#r15).
 */
async function checkParent(ctx: RequestContext, groupName: string, parentName: string): Promise<string> {
  const parent = await findGroup(ctx, parentName);
  if (!parent) throw invalidRequest(`Parent thing group ${parentName} of ${groupName} does not exist`);
  if (parent.is_dynamic)
    throw invalidRequest(`Parent thing group ${parentName} is a dynamic thing group; dynamic groups cannot have child groups`);
  const parentDepth = (await ancestorsOf(ctx, parent)).length + 1;
  if (parentDepth >= MAX_HIERARCHY_DEPTH)
    throw invalidRequest(
      `Thing group ${groupName} cannot be created under ${parentName}: a thing group hierarchy may have at most ${MAX_HIERARCHY_DEPTH} levels`,
    );
  const children = await scoped(ctx)
    .selectFrom('thing_groups')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('parent_name', '=', parentName)
    .executeTakeFirst();
  if (Number(children?.n ?? 0) >= MAX_DIRECT_CHILDREN)
    throw invalidRequest(`Thing group ${parentName} already has ${MAX_DIRECT_CHILDREN} child groups, the most a group may have`);
  return parent.root_name;
}

async function createThingGroup(input: CreateThingGroupInput, ctx: RequestContext): Promise<CreateThingGroupOutput> {
  const name: string = input.thingGroupName;
  const parentName: string | undefined = input.parentGroupName;
  const description: string | null = input.thingGroupProperties?.thingGroupDescription ?? null;
  const attributes = applyAttributePayload({}, input.thingGroupProperties?.attributePayload);
  const arn = groupArn(ctx, name);
  const existing = await findGroup(ctx, name);
  if (existing) {
    // An identical re-create (same parent and properties, tags already present) answers with the existing ids.
    const identical =
      !existing.is_dynamic &&
      existing.parent_name === (parentName ?? null) &&
      existing.description === description &&
      sameAttributes(fromJson(existing.attributes, {}), attributes) &&
      (await tagsPresent(ctx, arn, input.tags));
    if (identical) return { thingGroupName: name, thingGroupArn: arn, thingGroupId: existing.group_id };
    throw alreadyExistsError(ctx, existing, existing.is_dynamic ? '' : ' with a different configuration');
  }
  const rootName = parentName === undefined ? name : await checkParent(ctx, name, parentName);
  const groupId = randomUUID();
  await ctx.db
    .insertInto('thing_groups')
    .values({
      ...scope(ctx),
      group_name: name,
      group_id: groupId,
      parent_name: parentName ?? null,
      root_name: rootName,
      description,
      attributes: toJson(attributes),
      version: 1,
      is_dynamic: 0,
      index_name: null,
      query_string: null,
      query_version: null,
      created_at: ctx.now,
    })
    .execute();
  await putTags(ctx, arn, input.tags);
  return { thingGroupName: name, thingGroupArn: arn, thingGroupId: groupId };
}

async function describeThingGroup(
  input: DescribeThingGroupInput,
  ctx: RequestContext,
): Promise<DescribeThingGroupOutput> {
  const group = await requireGroup(ctx, input.thingGroupName);
  const ancestors = await ancestorsOf(ctx, group);
  const dynamic = group.is_dynamic === 1;
  return {
    thingGroupName: group.group_name,
    thingGroupId: group.group_id,
    thingGroupArn: groupArn(ctx, group.group_name),
    version: group.version,
    thingGroupProperties: groupProperties(group),
    thingGroupMetadata: {
      parentGroupName: group.parent_name ?? undefined,
      rootToParentThingGroups:
        ancestors.length > 0 ? ancestors.map((a) => ({ groupName: a.group_name, groupArn: groupArn(ctx, a.group_name) })) : undefined,
      creationDate: group.created_at,
    },
    indexName: dynamic ? (group.index_name ?? undefined) : undefined,
    queryString: dynamic ? (group.query_string ?? undefined) : undefined,
    queryVersion: dynamic ? (group.query_version ?? undefined) : undefined,
    // Membership is computed synchronously, so a dynamic group is never BUILDING (docs/decisions.md#r10).
    status: dynamic ? 'ACTIVE' : undefined,
  };
}

/** The new description and attributes of a group after an update's thingGroupProperties. */
function updatedProperties(group: ThingGroupRow, props: ThingGroupProperties | undefined) {
  return {
    description: props?.thingGroupDescription !== undefined ? props.thingGroupDescription : group.description,
    attributes: toJson(applyAttributePayload(fromJson(group.attributes, {}), props?.attributePayload)),
  };
}

async function updateThingGroup(input: UpdateThingGroupInput, ctx: RequestContext): Promise<UpdateThingGroupOutput> {
  const group = await requireGroup(ctx, input.thingGroupName);
  checkExpectedVersion(group, input.expectedVersion);
  const version = group.version + 1;
  await scoped(ctx)
    .updateTable('thing_groups')
    .set({ ...updatedProperties(group, input.thingGroupProperties), version })
    .where('group_name', '=', group.group_name)
    .execute();
  return { version };
}

/** Removes a group and everything hanging off it: members, tags, policy attachments. Returns the former members. */
async function removeGroup(ctx: RequestContext, group: ThingGroupRow): Promise<string[]> {
  const members = await scoped(ctx)
    .selectFrom('thing_group_members')
    .select('thing_name')
    .where('group_name', '=', group.group_name)
    .execute();
  await scoped(ctx)
    .deleteFrom('thing_group_members')
    .where('group_name', '=', group.group_name)
    .execute();
  await scoped(ctx)
    .deleteFrom('thing_groups')
    .where('group_name', '=', group.group_name)
    .execute();
  const arn = groupArn(ctx, group.group_name);
  await scoped(ctx)
    .deleteFrom('policy_targets')
    .where('target', '=', arn)
    .execute();
  await deleteTags(ctx, arn);
  return members.map((m) => m.thing_name);
}

async function deleteThingGroup(input: DeleteThingGroupInput, ctx: RequestContext): Promise<DeleteThingGroupOutput> {
  const group = await findGroup(ctx, input.thingGroupName);
  if (!group) return {};
  if (group.is_dynamic)
    throw invalidRequest(`Thing group ${group.group_name} is a dynamic thing group; use DeleteDynamicThingGroup to delete it`);
  checkExpectedVersion(group, input.expectedVersion);
  const child = await scoped(ctx)
    .selectFrom('thing_groups')
    .select('group_name')
    .where('parent_name', '=', group.group_name)
    .orderBy('group_name')
    .executeTakeFirst();
  if (child)
    throw invalidRequest(`Thing group ${group.group_name} still has child groups (e.g. ${child.group_name}); delete them first`);
  const members = await removeGroup(ctx, group);
  // The former members' thingGroupNames changed and each has a slot free: dynamic groups may now match.
  await refreshDynamicMembershipOf(ctx, members);
  return {};
}

// ---------------------------------------------------------------------------------------------------------------
// ListThingGroups

interface ListFilters {
  parentGroup?: string;
  namePrefixFilter?: string;
  recursive?: boolean;
}

/** Direct children of a parent, root groups, or all groups, in name order, from the store. */
async function listFromStore(ctx: RequestContext, f: ListFilters, after: string | undefined, limit: number): Promise<string[]> {
  let q = scoped(ctx)
    .selectFrom('thing_groups')
    .select('group_name')
    .orderBy('group_name')
    .limit(limit);
  if (f.parentGroup !== undefined) q = q.where('parent_name', '=', f.parentGroup);
  else if (f.recursive === false) q = q.where('parent_name', 'is', null);
  if (after !== undefined) q = q.where('group_name', '>', after);
  // Names with the prefix sort contiguously from the prefix itself; the caller stops at the first that lacks it.
  if (f.namePrefixFilter !== undefined) q = q.where('group_name', '>=', f.namePrefixFilter);
  return (await q.execute()).map((r) => r.group_name);
}

async function listThingGroups(input: ListThingGroupsInput, ctx: RequestContext): Promise<ListThingGroupsOutput> {
  const f: ListFilters = { parentGroup: input.parentGroup, namePrefixFilter: input.namePrefixFilter, recursive: input.recursive };
  const pageSize: number = input.maxResults ?? DEFAULT_PAGE_SIZE;
  const after = input.nextToken ? String(decodeToken('ListThingGroups', f, input.nextToken)[0]) : undefined;
  const prefix = f.namePrefixFilter;
  let names: string[];
  if (f.parentGroup !== undefined && f.recursive === true) {
    const parent = await requireGroup(ctx, f.parentGroup);
    names = (await descendantNames(ctx, parent))
      .filter((n) => (after === undefined || n > after) && (prefix === undefined || n.startsWith(prefix)))
      .sort();
  } else {
    if (f.parentGroup !== undefined) await requireGroup(ctx, f.parentGroup);
    names = await listFromStore(ctx, f, after, pageSize + 1);
    const cut = prefix === undefined ? -1 : names.findIndex((n) => !n.startsWith(prefix));
    if (cut >= 0) names = names.slice(0, cut);
  }
  const page = pageOf(names.slice(0, pageSize + 1), pageSize, 'ListThingGroups', f, (n) => [n]);
  return {
    thingGroups: page.items.map((n) => ({ groupName: n, groupArn: groupArn(ctx, n) })),
    nextToken: page.next,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Dynamic groups

function checkIndex(indexName: string | undefined): void {
  if (indexName !== undefined && indexName !== SUPPORTED_INDEX)
    throw notFound(`Index ${indexName} does not exist; ddlocal dynamic thing groups support only the ${SUPPORTED_INDEX} index`);
}

function checkQueryVersion(queryVersion: string | undefined): void {
  if (queryVersion !== undefined && queryVersion !== SUPPORTED_QUERY_VERSION)
    throw invalidRequest(`Query version ${queryVersion} is not supported; ddlocal supports query version ${SUPPORTED_QUERY_VERSION}`);
}

async function requireDynamicGroup(ctx: RequestContext, name: string): Promise<ThingGroupRow> {
  const group = await requireGroup(ctx, name);
  if (!group.is_dynamic) throw invalidRequest(`Thing group ${name} is a static thing group; use UpdateThingGroup for it`);
  return group;
}

async function createDynamicThingGroup(
  input: CreateDynamicThingGroupInput,
  ctx: RequestContext,
): Promise<CreateDynamicThingGroupOutput> {
  const name: string = input.thingGroupName;
  const queryString: string = input.queryString;
  const indexName: string = input.indexName ?? SUPPORTED_INDEX;
  const queryVersion: string = input.queryVersion ?? SUPPORTED_QUERY_VERSION;
  const arn = groupArn(ctx, name);
  const existing = await findGroup(ctx, name);
  if (existing) throw alreadyExistsError(ctx, existing, '');
  checkIndex(indexName);
  checkQueryVersion(queryVersion);
  parseQuery(queryString);
  const count = await scoped(ctx)
    .selectFrom('thing_groups')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('is_dynamic', '=', 1)
    .executeTakeFirst();
  if (Number(count?.n ?? 0) >= MAX_DYNAMIC_GROUPS)
    throw limitExceeded(`There are already ${MAX_DYNAMIC_GROUPS} dynamic thing groups in this account and region, the most allowed`);
  const groupId = randomUUID();
  const row: ThingGroupRow = {
    ...scope(ctx),
    group_name: name,
    group_id: groupId,
    parent_name: null,
    root_name: name,
    description: input.thingGroupProperties?.thingGroupDescription ?? null,
    attributes: toJson(applyAttributePayload({}, input.thingGroupProperties?.attributePayload)),
    version: 1,
    is_dynamic: 1,
    index_name: indexName,
    query_string: queryString,
    query_version: queryVersion,
    created_at: ctx.now,
  };
  await ctx.db.insertInto('thing_groups').values(row).execute();
  await putTags(ctx, arn, input.tags);
  await recomputeDynamicGroup(ctx, row);
  return { thingGroupName: name, thingGroupArn: arn, thingGroupId: groupId, indexName, queryString, queryVersion };
}

async function updateDynamicThingGroup(
  input: UpdateDynamicThingGroupInput,
  ctx: RequestContext,
): Promise<UpdateDynamicThingGroupOutput> {
  const group = await requireDynamicGroup(ctx, input.thingGroupName);
  checkExpectedVersion(group, input.expectedVersion);
  checkIndex(input.indexName);
  checkQueryVersion(input.queryVersion);
  const queryString: string = input.queryString ?? group.query_string ?? '';
  // Only a new query is checked: a group stored by an older version with fewer limits can still be updated.
  if (input.queryString !== undefined) parseQuery(queryString);
  const version = group.version + 1;
  await scoped(ctx)
    .updateTable('thing_groups')
    .set({
      ...updatedProperties(group, input.thingGroupProperties),
      index_name: input.indexName ?? group.index_name,
      query_string: queryString,
      query_version: input.queryVersion ?? group.query_version,
      version,
    })
    .where('group_name', '=', group.group_name)
    .execute();
  if (queryString !== group.query_string) await recomputeDynamicGroup(ctx, { group_name: group.group_name, query_string: queryString });
  return { version };
}

async function deleteDynamicThingGroup(
  input: DeleteDynamicThingGroupInput,
  ctx: RequestContext,
): Promise<DeleteDynamicThingGroupOutput> {
  const group = await findGroup(ctx, input.thingGroupName);
  if (!group) return {};
  if (!group.is_dynamic)
    throw invalidRequest(`Thing group ${group.group_name} is a static thing group; use DeleteThingGroup to delete it`);
  checkExpectedVersion(group, input.expectedVersion);
  const members = await removeGroup(ctx, group);
  // Each former member has a slot free, which another matching dynamic group may now take.
  await refreshDynamicMembershipOf(ctx, members);
  return {};
}

export const thingGroupHandlers = {
  CreateThingGroup: createThingGroup,
  DescribeThingGroup: describeThingGroup,
  UpdateThingGroup: updateThingGroup,
  DeleteThingGroup: deleteThingGroup,
  ListThingGroups: listThingGroups,
  CreateDynamicThingGroup: createDynamicThingGroup,
  UpdateDynamicThingGroup: updateDynamicThingGroup,
  DeleteDynamicThingGroup: deleteDynamicThingGroup,
} satisfies HandlerTable;
