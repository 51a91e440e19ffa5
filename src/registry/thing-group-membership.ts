// Thing group membership: AddThingToThingGroup, RemoveThingFromThingGroup,
// UpdateThingGroupsForThing, ListThingGroupsForThing, ListThingsInThingGroup.
//
// addThingToStaticGroup / removeThingFromStaticGroup hold every membership rule so that mitigation actions
// (ADD_THINGS_TO_THING_GROUP) change the registry exactly as the API operations do.
import type { HandlerTable, RequestContext } from './context.js';
import type {
  AddThingToThingGroupInput,
  AddThingToThingGroupOutput,
  ListThingGroupsForThingInput,
  ListThingGroupsForThingOutput,
  ListThingsInThingGroupInput,
  ListThingsInThingGroupOutput,
  RemoveThingFromThingGroupInput,
  RemoveThingFromThingGroupOutput,
  UpdateThingGroupsForThingInput,
  UpdateThingGroupsForThingOutput,
} from '../model/types.generated.js';
import { scope } from './context.js';
import type { ThingGroupRow } from '../store/schema.js';
import { invalidRequest, notFound } from '../kernel/errors.js';
import { decodeToken, DEFAULT_PAGE_SIZE, pageOf } from '../kernel/pagination.js';
import { requireThing } from './things.js';
import { descendantNames, groupArn, requireGroup } from './thing-groups.js';
import { loadMemberships, MAX_GROUPS_PER_THING, membershipCount, refreshDynamicMembership } from './dynamic-groups.js';
import { scoped } from '../store/scoped.js';

export interface AddToGroupOptions {
  /** At the 10-group limit, let the thing leave its most recently created dynamic group to make room. */
  overrideDynamicGroups?: boolean;
}

export interface AddToGroupResult {
  /** False when the thing already was a member (nothing changed). */
  added: boolean;
  /** The dynamic group the thing left to make room, when the override was used. */
  evictedDynamicGroup?: string;
}

function requireStatic(group: ThingGroupRow, action: 'added to' | 'removed from'): void {
  if (group.is_dynamic)
    throw invalidRequest(
      `Thing group ${group.group_name} is a dynamic thing group: its members follow its query and cannot be ${action} it manually`,
    );
}

async function deleteMembership(ctx: RequestContext, groupName: string, thingName: string): Promise<void> {
  await scoped(ctx)
    .deleteFrom('thing_group_members')
    .where('group_name', '=', groupName)
    .where('thing_name', '=', thingName)
    .execute();
}

/**
 * A thing may be in only one static group of a hierarchy (ddlocal: groups sharing a root), as on AWS
 * (docs/decisions.md#r15).
 */
async function checkSameHierarchy(ctx: RequestContext, thingName: string, group: ThingGroupRow, staticGroups: string[]): Promise<void> {
  if (staticGroups.length === 0) return;
  const clash = await scoped(ctx)
    .selectFrom('thing_groups')
    .select('group_name')
    .where('group_name', 'in', staticGroups)
    .where('root_name', '=', group.root_name)
    .orderBy('group_name')
    .executeTakeFirst();
  if (clash)
    throw invalidRequest(
      `Thing ${thingName} is already in thing group ${clash.group_name}, which belongs to the same hierarchy (root ${group.root_name}) as ${group.group_name}; a thing can be in only one group of a hierarchy`,
    );
}

/** Of the given dynamic groups, the most recently created one (ties: the greatest name). */
async function newestDynamicGroup(ctx: RequestContext, names: Set<string>): Promise<string> {
  const row = await scoped(ctx)
    .selectFrom('thing_groups')
    .select('group_name')
    .where('group_name', 'in', [...names])
    .orderBy('created_at', 'desc')
    .orderBy('group_name', 'desc')
    .executeTakeFirstOrThrow();
  return row.group_name;
}

/**
 * Adds a thing to a static group, enforcing AddThingToThingGroup's membership rules: the group must be static, the
 * thing must not be in another group of the same hierarchy, and it may be in at most 10 groups — at the limit,
 * `overrideDynamicGroups` makes it leave its newest dynamic group. Throws ResourceNotFoundException for a missing
 * thing or group and InvalidRequestException for a broken rule. Dynamic memberships are refreshed afterwards, since
 * queries can read thingGroupNames.
 */
export async function addThingToStaticGroup(
  ctx: RequestContext,
  thingName: string,
  groupName: string,
  options: AddToGroupOptions = {},
): Promise<AddToGroupResult> {
  const group = await requireGroup(ctx, groupName);
  requireStatic(group, 'added to');
  await requireThing(ctx, thingName);
  const m = (await loadMemberships(ctx, [thingName])).get(thingName)!;
  if (m.staticGroups.includes(groupName)) return { added: false };
  await checkSameHierarchy(ctx, thingName, group, m.staticGroups);
  let evictedDynamicGroup: string | undefined;
  if (membershipCount(m) >= MAX_GROUPS_PER_THING) {
    if (m.dynamicGroups.size === 0)
      throw invalidRequest(
        `Thing ${thingName} is already in ${MAX_GROUPS_PER_THING} thing groups, the most a thing can belong to; remove it from a group before adding it to ${groupName}`,
      );
    if (options.overrideDynamicGroups !== true)
      throw invalidRequest(
        `Thing ${thingName} is already in ${MAX_GROUPS_PER_THING} thing groups (${m.dynamicGroups.size} of them dynamic), the most a thing can belong to; set overrideDynamicGroups=true to let it leave its most recently created dynamic group, or remove it from a group first`,
      );
    evictedDynamicGroup = await newestDynamicGroup(ctx, m.dynamicGroups);
    await deleteMembership(ctx, evictedDynamicGroup, thingName);
  }
  await ctx.db
    .insertInto('thing_group_members')
    .values({ ...scope(ctx), group_name: groupName, thing_name: thingName, added_at: ctx.now })
    .execute();
  await refreshDynamicMembership(ctx, thingName);
  return { added: true, evictedDynamicGroup };
}

/** Removes a thing from a static group; returns false when it was not a member. Same errors as the add. */
export async function removeThingFromStaticGroup(ctx: RequestContext, thingName: string, groupName: string): Promise<boolean> {
  const group = await requireGroup(ctx, groupName);
  requireStatic(group, 'removed from');
  await requireThing(ctx, thingName);
  const member = await scoped(ctx)
    .selectFrom('thing_group_members')
    .select('thing_name')
    .where('group_name', '=', groupName)
    .where('thing_name', '=', thingName)
    .executeTakeFirst();
  if (!member) return false;
  await deleteMembership(ctx, groupName, thingName);
  await refreshDynamicMembership(ctx, thingName);
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Identifying the thing and the group: a name or an ARN, exactly one of each

const ARN_OF = { thing: /^arn:aws:iot:([^:]*):([^:]*):thing\/(.+)$/, thinggroup: /^arn:aws:iot:([^:]*):([^:]*):thinggroup\/(.+)$/ };

function nameOrArn(
  ctx: RequestContext,
  name: string | undefined,
  arn: string | undefined,
  kind: 'thing' | 'thinggroup',
): string {
  const [nameMember, arnMember] = kind === 'thing' ? ['thingName', 'thingArn'] : ['thingGroupName', 'thingGroupArn'];
  if ((name === undefined) === (arn === undefined))
    throw invalidRequest(`Specify exactly one of ${nameMember} and ${arnMember}`);
  if (name !== undefined) return name;
  const m = ARN_OF[kind].exec(arn!);
  if (!m) throw invalidRequest(`${arnMember} ${arn} is not a ${kind === 'thing' ? 'thing' : 'thing group'} ARN`);
  // An ARN of another account or region names nothing here (docs/decisions.md#w2).
  if (m[1] !== ctx.region || m[2] !== ctx.accountId)
    throw notFound(`${kind === 'thing' ? 'Thing' : 'Thing group'} ${arn} does not exist in account ${ctx.accountId}, region ${ctx.region}`);
  return m[3]!;
}

async function addThingToThingGroup(
  input: AddThingToThingGroupInput,
  ctx: RequestContext,
): Promise<AddThingToThingGroupOutput> {
  const groupName = nameOrArn(ctx, input.thingGroupName, input.thingGroupArn, 'thinggroup');
  const thingName = nameOrArn(ctx, input.thingName, input.thingArn, 'thing');
  await addThingToStaticGroup(ctx, thingName, groupName, { overrideDynamicGroups: input.overrideDynamicGroups === true });
  return {};
}

async function removeThingFromThingGroup(
  input: RemoveThingFromThingGroupInput,
  ctx: RequestContext,
): Promise<RemoveThingFromThingGroupOutput> {
  const groupName = nameOrArn(ctx, input.thingGroupName, input.thingGroupArn, 'thinggroup');
  const thingName = nameOrArn(ctx, input.thingName, input.thingArn, 'thing');
  await removeThingFromStaticGroup(ctx, thingName, groupName);
  return {};
}

async function updateThingGroupsForThing(
  input: UpdateThingGroupsForThingInput,
  ctx: RequestContext,
): Promise<UpdateThingGroupsForThingOutput> {
  const thingName: string | undefined = input.thingName;
  if (thingName === undefined) throw invalidRequest('thingName is required');
  await requireThing(ctx, thingName);
  // The request runs in one transaction: a failing addition rolls back the removals before it.
  for (const groupName of input.thingGroupsToRemove ?? []) await removeThingFromStaticGroup(ctx, thingName, groupName);
  for (const groupName of input.thingGroupsToAdd ?? [])
    await addThingToStaticGroup(ctx, thingName, groupName, { overrideDynamicGroups: input.overrideDynamicGroups === true });
  return {};
}

// ---------------------------------------------------------------------------------------------------------------
// Listing

async function listThingGroupsForThing(
  input: ListThingGroupsForThingInput,
  ctx: RequestContext,
): Promise<ListThingGroupsForThingOutput> {
  const thing = await requireThing(ctx, input.thingName);
  const filters = { thingName: thing.thing_name };
  const pageSize: number = input.maxResults ?? DEFAULT_PAGE_SIZE;
  const after = input.nextToken ? String(decodeToken('ListThingGroupsForThing', filters, input.nextToken)[0]) : undefined;
  let q = scoped(ctx)
    .selectFrom('thing_group_members')
    .select('group_name')
    .where('thing_name', '=', thing.thing_name)
    .orderBy('group_name')
    .limit(pageSize + 1);
  if (after !== undefined) q = q.where('group_name', '>', after);
  const rows = await q.execute();
  const page = pageOf(rows, pageSize, 'ListThingGroupsForThing', filters, (r) => [r.group_name]);
  return {
    thingGroups: page.items.map((r) => ({ groupName: r.group_name, groupArn: groupArn(ctx, r.group_name) })),
    nextToken: page.next,
  };
}

async function listThingsInThingGroup(
  input: ListThingsInThingGroupInput,
  ctx: RequestContext,
): Promise<ListThingsInThingGroupOutput> {
  const group = await requireGroup(ctx, input.thingGroupName);
  const recursive = input.recursive === true;
  const filters = { thingGroupName: group.group_name, recursive };
  const pageSize: number = input.maxResults ?? DEFAULT_PAGE_SIZE;
  const after = input.nextToken ? String(decodeToken('ListThingsInThingGroup', filters, input.nextToken)[0]) : undefined;
  const groups = recursive ? [group.group_name, ...(await descendantNames(ctx, group))] : [group.group_name];
  let q = scoped(ctx)
    .selectFrom('thing_group_members')
    .select('thing_name')
    .distinct()
    .where('group_name', 'in', groups)
    .orderBy('thing_name')
    .limit(pageSize + 1);
  if (after !== undefined) q = q.where('thing_name', '>', after);
  const rows = await q.execute();
  const page = pageOf(rows, pageSize, 'ListThingsInThingGroup', filters, (r) => [r.thing_name]);
  return { things: page.items.map((r) => r.thing_name), nextToken: page.next };
}

export const thingGroupMembershipHandlers = {
  AddThingToThingGroup: addThingToThingGroup,
  RemoveThingFromThingGroup: removeThingFromThingGroup,
  UpdateThingGroupsForThing: updateThingGroupsForThing,
  ListThingGroupsForThing: listThingGroupsForThing,
  ListThingsInThingGroup: listThingsInThingGroup,
} satisfies HandlerTable;
