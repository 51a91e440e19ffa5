// ADD_THINGS_TO_THING_GROUP (mitigation.md §7.1–7.2, Dec M8, M11, M14): every thing attached to the finding's
// device certificate(s) joins every listed thing group. Each addition goes through the registry's
// addThingToStaticGroup, so the 10-group limit, overrideDynamicGroups, the one-group-per-hierarchy rule and dynamic
// group refresh behave exactly as AddThingToThingGroup does.
import { certificateArn, findCertificate } from '../../registry/certificates.js';
import type { RequestContext } from '../../registry/context.js';
import { addThingToStaticGroup, type AddToGroupResult } from '../../registry/thing-group-membership.js';
import { findGroup } from '../../registry/thing-groups.js';
import type { ActionContext, ActionOutcome, MitigationActionImplementation } from '../action.js';
import { deviceCertificateIds, nothingToActOn, refusal, requestContext, settle, withoutFinalPeriod } from './common.js';
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

async function apply(ctx: ActionContext): Promise<ActionOutcome> {
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

export const addThingsToThingGroup: MitigationActionImplementation = {
  type: 'ADD_THINGS_TO_THING_GROUP',
  permissions: ['iot:ListPrincipalThings', 'iot:AddThingToThingGroup'],
  apply,
};
