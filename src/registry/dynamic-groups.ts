// Dynamic thing group membership (docs/decisions.md#r10). Recomputed in the caller's transaction whenever a
// thing, its type, its attributes or its static memberships change (per thing), and when a dynamic group is created
// or its query changes (per group).
//
// Slots: a thing is in at most MAX_GROUPS_PER_THING groups, dynamic ones included. A dynamic group only adds a thing
// while the thing has a free slot; when several matching groups compete for the free slots the oldest groups win,
// which mirrors the override rule (an override evicts the most recently created dynamic group first).
import type { RequestContext } from './context.js';
import { scope } from './context.js';
import type { ThingGroupRow, ThingRow } from '../store/schema.js';
import { fromJson } from '../kernel/json.js';
import { evaluateQuery, parseStoredQuery, type QueryableThing, type QueryNode } from './dynamic-query.js';
import { scoped } from '../store/scoped.js';

export const MAX_GROUPS_PER_THING = 10;

/** Things are processed in batches so `IN (...)` lists stay well inside both engines' parameter limits. */
const BATCH = 500;

export interface ThingMemberships {
  /** Static groups of the thing, by name. */
  staticGroups: string[];
  /** Dynamic groups of the thing, by name. */
  dynamicGroups: Set<string>;
}

export const membershipCount = (m: ThingMemberships) => m.staticGroups.length + m.dynamicGroups.size;

/** The direct memberships of each given thing (things without memberships get empty entries). */
export async function loadMemberships(ctx: RequestContext, thingNames: string[]): Promise<Map<string, ThingMemberships>> {
  const result = new Map<string, ThingMemberships>();
  for (const name of thingNames) result.set(name, { staticGroups: [], dynamicGroups: new Set() });
  for (let i = 0; i < thingNames.length; i += BATCH) {
    const rows = await ctx.db
      .selectFrom('thing_group_members as m')
      .innerJoin('thing_groups as g', (join) =>
        join.onRef('g.account_id', '=', 'm.account_id').onRef('g.region', '=', 'm.region').onRef('g.group_name', '=', 'm.group_name'),
      )
      .select(['m.thing_name', 'm.group_name', 'g.is_dynamic'])
      .where('m.account_id', '=', ctx.accountId)
      .where('m.region', '=', ctx.region)
      .where('m.thing_name', 'in', thingNames.slice(i, i + BATCH))
      .orderBy('m.group_name')
      .execute();
    for (const row of rows) {
      const entry = result.get(row.thing_name)!;
      if (row.is_dynamic) entry.dynamicGroups.add(row.group_name);
      else entry.staticGroups.push(row.group_name);
    }
  }
  return result;
}

interface CompiledGroup {
  name: string;
  /** Undefined for a stored query that no longer parses within the safety limits: the group matches nothing. */
  query: QueryNode | undefined;
}

const matches = (query: QueryNode | undefined, thing: QueryableThing) => query !== undefined && evaluateQuery(query, thing);

/** Every dynamic group of the account and region with its parsed query, oldest first. */
async function dynamicGroups(ctx: RequestContext): Promise<CompiledGroup[]> {
  const rows = await scoped(ctx)
    .selectFrom('thing_groups')
    .select(['group_name', 'query_string'])
    .where('is_dynamic', '=', 1)
    .orderBy('created_at')
    .orderBy('group_name')
    .execute();
  // Stored queries were checked when they were written, but possibly by an older version with fewer limits.
  return rows.map((r) => ({ name: r.group_name, query: parseStoredQuery(r.query_string ?? '') }));
}

function queryable(thing: ThingRow, memberships: ThingMemberships): QueryableThing {
  return {
    thingName: thing.thing_name,
    thingId: thing.thing_id,
    thingTypeName: thing.thing_type_name ?? undefined,
    thingGroupNames: memberships.staticGroups,
    attributes: fromJson(thing.attributes, {}),
  };
}

async function addMember(ctx: RequestContext, groupName: string, thingName: string): Promise<void> {
  await ctx.db
    .insertInto('thing_group_members')
    .values({ ...scope(ctx), group_name: groupName, thing_name: thingName, added_at: ctx.now })
    .execute();
}

async function removeMember(ctx: RequestContext, groupName: string, thingName: string): Promise<void> {
  await scoped(ctx)
    .deleteFrom('thing_group_members')
    .where('group_name', '=', groupName)
    .where('thing_name', '=', thingName)
    .execute();
}

async function loadThings(ctx: RequestContext, thingNames: string[]): Promise<ThingRow[]> {
  const things: ThingRow[] = [];
  for (let i = 0; i < thingNames.length; i += BATCH) {
    things.push(
      ...(await scoped(ctx)
        .selectFrom('things')
        .selectAll()
        .where('thing_name', 'in', thingNames.slice(i, i + BATCH))
        .execute()),
    );
  }
  return things;
}

/** Re-evaluates every dynamic group of the account and region for one thing. */
export async function refreshDynamicMembership(ctx: RequestContext, thingName: string): Promise<void> {
  await refreshDynamicMembershipOf(ctx, [thingName]);
}

/** Re-evaluates every dynamic group for each of the given things; names of things that do not exist are skipped. */
export async function refreshDynamicMembershipOf(ctx: RequestContext, thingNames: string[]): Promise<void> {
  if (thingNames.length === 0) return;
  const groups = await dynamicGroups(ctx);
  if (groups.length === 0) return;
  const things = await loadThings(ctx, [...new Set(thingNames)]);
  const memberships = await loadMemberships(ctx, things.map((t) => t.thing_name));
  for (const thing of things) {
    const m = memberships.get(thing.thing_name)!;
    const doc = queryable(thing, m);
    const matching = groups.filter((g) => matches(g.query, doc));
    const matchingNames = new Set(matching.map((g) => g.name));
    // Leaving first frees slots for the groups the thing now joins.
    for (const name of [...m.dynamicGroups])
      if (!matchingNames.has(name)) {
        await removeMember(ctx, name, thing.thing_name);
        m.dynamicGroups.delete(name);
      }
    for (const g of matching) {
      if (m.dynamicGroups.has(g.name) || membershipCount(m) >= MAX_GROUPS_PER_THING) continue;
      await addMember(ctx, g.name, thing.thing_name);
      m.dynamicGroups.add(g.name);
    }
  }
}

/**
 * Recomputes one dynamic group's membership over every thing of the account and region. Things that leave the group
 * are then re-evaluated against the other dynamic groups, since the slot they freed may let another group take them.
 */
export async function recomputeDynamicGroup(ctx: RequestContext, group: Pick<ThingGroupRow, 'group_name' | 'query_string'>): Promise<void> {
  const query = parseStoredQuery(group.query_string ?? '');
  const left: string[] = [];
  let after: string | undefined;
  for (;;) {
    let q = scoped(ctx)
      .selectFrom('things')
      .selectAll()
      .orderBy('thing_name')
      .limit(BATCH);
    if (after !== undefined) q = q.where('thing_name', '>', after);
    const things = await q.execute();
    const memberships = await loadMemberships(ctx, things.map((t) => t.thing_name));
    for (const thing of things) {
      const m = memberships.get(thing.thing_name)!;
      const isMember = m.dynamicGroups.has(group.group_name);
      const matching = matches(query, queryable(thing, m));
      if (isMember && !matching) {
        await removeMember(ctx, group.group_name, thing.thing_name);
        left.push(thing.thing_name);
      } else if (!isMember && matching && membershipCount(m) < MAX_GROUPS_PER_THING)
        await addMember(ctx, group.group_name, thing.thing_name);
    }
    if (things.length < BATCH) break;
    after = things[things.length - 1]!.thing_name;
  }
  await refreshDynamicMembershipOf(ctx, left);
}
