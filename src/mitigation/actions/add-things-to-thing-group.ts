// ADD_THINGS_TO_THING_GROUP (docs/decisions.md#m8, #m11, #m14): every thing attached to the finding's
// device certificate(s) joins every listed thing group. Each addition goes through the registry's
// addThingToStaticGroup, so the 10-group limit, overrideDynamicGroups, the one-group-per-hierarchy rule and dynamic
// group refresh behave exactly as AddThingToThingGroup does.
import { certificateArn, findCertificate } from '../../registry/certificates.js';
import type { RequestContext } from '../../registry/context.js';
import { addThingToStaticGroup, removeThingFromStaticGroup, type AddToGroupResult } from '../../registry/thing-group-membership.js';
import { findGroup } from '../../registry/thing-groups.js';
import { invalidRequest } from '../../kernel/errors.js';
import { iotArn } from '../../kernel/arn.js';
import { defineActionType, type ActionContext, type ActionOutcome } from '../action.js';
import {
  DEVICE_CERTIFICATE_CHECKS,
  deviceCertificateIds,
  joinWithin,
  nothingToActOn,
  refusal,
  requestContext,
  settle,
  withoutFinalPeriod,
} from './common.js';
import { changedPart, restore, type PartResult } from './restore.js';
import { scoped } from '../../store/scoped.js';

/** Undo record: the memberships this execution created, and the dynamic groups things left to make room. */
export interface AddThingsUndo {
  memberships: { thingName: string; groupName: string; evictedDynamicGroup?: string }[];
}

interface Params {
  thingGroupNames: string[];
  overrideDynamicGroups?: boolean;
}

/** The things attached to each existing certificate, and the certificates that no longer exist. */
async function attachedThings(rc: RequestContext, certificateIds: string[]): Promise<{ things: string[]; missing: string[] }> {
  const things = new Set<string>();
  const missing: string[] = [];
  for (const id of certificateIds) {
    if (!(await findCertificate(rc, id))) {
      missing.push(id);
      continue;
    }
    const rows = await scoped(rc)
      .selectFrom('thing_principals')
      .select('thing_name')
      .where('principal', '=', certificateArn(rc, id))
      .execute();
    for (const r of rows) things.add(r.thing_name);
  }
  return { things: [...things].sort(), missing };
}

/**
 * Groups that cannot take any thing are reported once each, not once per thing. The per-thing call checks them
 * again; this is only for the message.
 */
async function unusableGroups(rc: RequestContext, names: string[]): Promise<Map<string, string>> {
  const problems = new Map<string, string>();
  for (const name of names) {
    const group = await findGroup(rc, name);
    if (!group) problems.set(name, `Thing group ${name} does not exist`);
    else if (group.is_dynamic) problems.set(name, `Thing group ${name} is a dynamic thing group; things cannot be added to it`);
  }
  return problems;
}

function describeAddition(thing: string, group: string, result: AddToGroupResult): string {
  if (!result.added) return `Thing ${thing} was already in thing group ${group}`;
  const eviction = result.evictedDynamicGroup ? ` (left dynamic thing group ${result.evictedDynamicGroup} to make room)` : '';
  return `Thing ${thing} added to thing group ${group}${eviction}`;
}

async function apply(ctx: ActionContext): Promise<ActionOutcome<AddThingsUndo>> {
  const certificateIds = deviceCertificateIds(ctx);
  if (certificateIds.length === 0) return nothingToActOn(ctx, 'device certificate');
  const params = ctx.action.actionParams.addThingsToThingGroupParams as Params;
  const rc = requestContext(ctx);
  const { things, missing } = await attachedThings(rc, certificateIds);
  const failures = missing.map((id) => `Device certificate ${id} no longer exists`);
  if (things.length === 0) {
    const certs = certificateIds.filter((id) => !missing.includes(id));
    const done = certs.length > 0 ? [`no things attached to device certificate ${certs.join(', ')}`] : [];
    return settle(done, failures, { memberships: [] } satisfies AddThingsUndo);
  }
  const groupProblems = await unusableGroups(rc, params.thingGroupNames);
  failures.push(...groupProblems.values());
  const undo: AddThingsUndo = { memberships: [] };
  const done: string[] = [];
  for (const thing of things) {
    for (const group of params.thingGroupNames) {
      if (groupProblems.has(group)) continue;
      let result: AddToGroupResult = { added: false };
      const refused = await refusal(async () => {
        result = await addThingToStaticGroup(rc, thing, group, { overrideDynamicGroups: params.overrideDynamicGroups === true });
      });
      if (refused) {
        failures.push(`Thing ${thing} cannot be added to thing group ${group}: ${withoutFinalPeriod(refused.message)}`);
        continue;
      }
      if (result.added) {
        const evicted = result.evictedDynamicGroup;
        undo.memberships.push({ thingName: thing, groupName: group, ...(evicted !== undefined ? { evictedDynamicGroup: evicted } : {}) });
      }
      done.push(describeAddition(thing, group, result));
    }
  }
  return settle(done, failures, undo);
}

/** A thing group listed twice would be a second addition of every thing: refused when the action is created. */
function checkParams(params: Params, prefix: string): void {
  const names = params.thingGroupNames;
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw invalidRequest(`${prefix}: thing group ${dup} appears more than once in thingGroupNames`);
}

function describeChange({ memberships }: AddThingsUndo): string | undefined {
  if (memberships.length === 0) return undefined;
  return joinWithin(
    memberships.map(
      (m) =>
        `thing ${m.thingName} -> thing group ${m.groupName}` +
        (m.evictedDynamicGroup !== undefined ? ` (leaving dynamic thing group ${m.evictedDynamicGroup})` : ''),
    ),
  );
}

async function isStaticMember(rc: RequestContext, thingName: string, groupName: string): Promise<boolean> {
  const row = await rc.db
    .selectFrom('thing_group_members as m')
    .innerJoin('thing_groups as g', (j) =>
      j.onRef('g.account_id', '=', 'm.account_id').onRef('g.region', '=', 'm.region').onRef('g.group_name', '=', 'm.group_name'),
    )
    .select('m.thing_name')
    .where('m.account_id', '=', rc.accountId)
    .where('m.region', '=', rc.region)
    .where('m.group_name', '=', groupName)
    .where('m.thing_name', '=', thingName)
    .where('g.is_dynamic', '=', 0)
    .executeTakeFirst();
  return row !== undefined;
}

/** Removes the memberships the action created; memberships that existed before were never recorded, so they stay. */
async function removeMemberships(rc: RequestContext, undo: AddThingsUndo): Promise<PartResult[]> {
  const parts: PartResult[] = [];
  for (const m of undo.memberships) {
    if (!(await isStaticMember(rc, m.thingName, m.groupName)))
      parts.push(changedPart(`Thing ${m.thingName} is no longer in static thing group ${m.groupName}`));
    else
      parts.push(
        await restore(
          `Membership of thing ${m.thingName} in thing group ${m.groupName}`,
          // The removal refreshes the thing's dynamic memberships, so a dynamic group it left to make room can take it back.
          () => removeThingFromStaticGroup(rc, m.thingName, m.groupName),
          `Thing ${m.thingName} removed from thing group ${m.groupName}`,
        ),
      );
  }
  return parts;
}

export const addThingsToThingGroup = defineActionType({
  type: 'ADD_THINGS_TO_THING_GROUP',
  paramsMember: 'addThingsToThingGroupParams',
  appliesTo: DEVICE_CERTIFICATE_CHECKS,
  permissions: [
    { action: 'iot:ListPrincipalThings', resources: (ctx) => deviceCertificateIds(ctx).map((id) => iotArn(ctx, 'cert', id)) },
    { action: 'iot:AddThingToThingGroup', resources: (ctx) => (ctx.action.actionParams.addThingsToThingGroupParams as Params).thingGroupNames.map((name) => iotArn(ctx, 'thinggroup', name)) },
  ],
  checkParams,
  apply,
  preview: { describeChange },
  undo: { restore: removeMemberships },
});
