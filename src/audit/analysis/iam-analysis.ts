// Classification of IAM role policies for the Cognito and role-alias checks (docs/decisions.md#a15, #a25, #a34).
// Only Allow statements count (a Deny never cancels an Allow, as for IoT policies, docs/decisions.md#a11); action
// patterns match case-insensitively with * and ?; NotAction grants everything it does not exclude; NotResource counts
// as broad.
//
// Statements are read, and resource breadth (docs/decisions.md#a23) is judged, by the IoT policy analyser: one
// statement model and one "broad resource" rule for IoT policies and IAM roles alike.
import { MODEL } from '../../model/model.js';
import type { Db } from '../../store/store.js';
import { fromJson } from '../../kernel/json.js';
import { nextTurn, sliceOver } from '../../kernel/event-loop-turns.js';
import {
  DATA_PLANE_ACTIONS,
  actionMatches,
  allowsBroadly,
  broadDataPlaneActionsIn,
  parsePolicyDocument,
  statementCoversAction,
  type Statement,
} from './policy-analyser.js';

const THING_ADMIN_WRITE = [
  'AddThingToThingGroup', 'AttachThingPrincipal', 'CreateThing', 'DeleteThing', 'DetachThingPrincipal', 'ListThings',
  'ListThingsInThingGroup', 'RegisterThing', 'RemoveThingFromThingGroup', 'UpdateThing', 'UpdateThingGroupsForThing',
].map((a) => `iot:${a}`);
const THING_ADMIN_READ = ['DescribeThing', 'ListJobExecutionsForThing', 'ListThingGroupsForThing', 'ListThingPrincipals'].map((a) => `iot:${a}`);

const CLASSIFIED = new Set([...THING_ADMIN_WRITE, ...THING_ADMIN_READ, ...DATA_PLANE_ACTIONS.map((a) => a.action), 'iot:Receive']);
/** Every other operation of the AWS IoT model (AWS's "non-thing admin" actions), sorted. */
const NON_THING_ADMIN = Object.keys(MODEL.operations).map((op) => `iot:${op}`).filter((a) => !CLASSIFIED.has(a)).sort();

const SECURITY_AUDITING_SERVICES = ['cloudtrail', 'guardduty', 'iam', 'inspector', 'trustedadvisor'];

/** An Allow statement of a role policy, in the analyser's normalised form. */
export type AllowStatement = Statement & { effect: 'Allow' };

/**
 * The Allow statements of a role's policy documents (as stored by the IAM ingest endpoint: objects or JSON text).
 * Unreadable statements are skipped, as the analyser does for IoT policies.
 */
export function allowStatements(policies: unknown[]): AllowStatement[] {
  return policies.flatMap((doc) => parsePolicyDocument(doc)).filter((s): s is AllowStatement => s.effect === 'Allow');
}

/**
 * The actions some statement allows. Hundreds of actions times thousands of statements (a large but legal role) is
 * a second of work, so it lets the event loop turn in between.
 */
async function allowedActions(statements: AllowStatement[], actions: string[]): Promise<string[]> {
  const allowed: string[] = [];
  for (const a of actions) {
    if (statements.some((s) => statementCoversAction(s, a))) allowed.push(a);
    if (sliceOver()) await nextTurn();
  }
  return allowed;
}

/** The data-plane actions (other than iot:Receive) the statements allow on broad resources, in canonical order. */
export function broadDataPlaneActions(statements: AllowStatement[]): string[] {
  return broadDataPlaneActionsIn(statements);
}

/** Thing-admin-read actions allowed on every thing (`*`, `thing/*`, …), not on named ones (docs/decisions.md#a23). */
function broadThingAdminRead(statements: AllowStatement[]): string[] {
  return THING_ADMIN_READ.filter((a) => allowsBroadly(statements, a, 'thing'));
}

// ---- services (the role-alias checks) -----------------------------------------------------------------------

/** Whether some action of `service` is allowed (e.g. via `*`, `iam:*`, `i*:Get*`). */
function allowsService(s: AllowStatement, service: string): boolean {
  const touches = (p: string) => {
    const colon = p.indexOf(':');
    return colon === -1 ? actionMatches(p, `${service}:x`) : actionMatches(p.slice(0, colon), service);
  };
  if (!s.notAction) return s.actions.some(touches);
  // NotAction excludes the whole service only with a `<service>:*`-like or `*` pattern.
  return !s.actions.some((p) => p === '*' || (p.endsWith(':*') && actionMatches(p.slice(0, -2), service)));
}

export function securityAuditingServices(statements: AllowStatement[]): string[] {
  return SECURITY_AUDITING_SERVICES.filter((svc) => statements.some((s) => allowsService(s, svc)));
}

/** The services the statements grant actions of: the service part of each pattern; `*` (or NotAction) is `*`. */
export function grantedServices(statements: AllowStatement[]): string[] {
  const services = new Set<string>();
  for (const s of statements) {
    if (s.notAction) {
      services.add('*');
      continue;
    }
    for (const p of s.actions) {
      const colon = p.indexOf(':');
      services.add(colon === -1 ? '*' : p.slice(0, colon).toLowerCase());
    }
  }
  return [...services].sort();
}

/** `*` / `<service>:*` patterns (and NotAction, which is as broad) granting a service in `used`. */
export function broadPatternsForUsedServices(statements: AllowStatement[], used: Set<string>): string[] {
  const patterns = new Set<string>();
  if (used.size === 0) return [];
  for (const s of statements) {
    if (s.notAction) {
      patterns.add('NotAction');
      continue;
    }
    for (const p of s.actions) {
      if (p === '*') patterns.add('*');
      else if (p.endsWith(':*') && [...used].some((svc) => actionMatches(p.slice(0, -2), svc))) patterns.add(p);
    }
  }
  return [...patterns].sort();
}

// ---- reading the IAM store ---------------------------------------------------------------------------------

/** Raised when a check needs IAM data that is not in the store; the engine reports it as errorCode
 *  (docs/decisions.md#a33). */
class CheckDataUnavailable extends Error {
  readonly errorCode = 'DATA_UNAVAILABLE';
}

/** The policies of each role ARN that is in the store (one query). */
export async function rolePolicies(db: Db, accountId: string, region: string, arns: string[]): Promise<Map<string, AllowStatement[]>> {
  const out = new Map<string, AllowStatement[]>();
  if (arns.length === 0) return out;
  const rows = await db
    .selectFrom('iam_roles')
    .select(['role_arn', 'policies'])
    .where('account_id', '=', accountId)
    .where('region', '=', region)
    .where('role_arn', 'in', [...new Set(arns)])
    .execute();
  for (const r of rows) out.set(r.role_arn, allowStatements(fromJson<unknown[]>(r.policies, [])));
  return out;
}

/** A reason-text action list: long lists (e.g. every non-thing admin action of `iot:*`) are shortened. */
function actionList(actions: string[], max = 20): string {
  if (actions.length <= max) return `[${actions.join(', ')}]`;
  return `[${actions.slice(0, max).join(', ')}, … and ${actions.length - max} more]`;
}

/** Raised with the findings proven for the other resources, so an engine can still report them
 *  (docs/decisions.md#a33). */
export function dataUnavailable(missing: string[], partial: { checked: number; findings: unknown[] }): CheckDataUnavailable {
  const err = new CheckDataUnavailable(`not in ddlocal's IAM store: ${missing.join(', ')}`);
  return Object.assign(err, { partial });
}

export type RoleCode =
  | 'ALLOWS_ACCESS_TO_IOT_ADMIN_ACTIONS'
  | 'ALLOWS_ACCESS_TO_IOT_THING_ADMIN_WRITE_ACTIONS'
  | 'ALLOWS_BROAD_ACCESS_TO_IOT_THING_ADMIN_READ_ACTIONS'
  | 'ALLOWS_ACCESS_TO_IOT_NON_THING_ADMIN_ACTIONS'
  | 'ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS';

const DESCRIPTIONS: Record<RoleCode, string> = {
  ALLOWS_ACCESS_TO_IOT_ADMIN_ACTIONS: 'access to IoT admin actions',
  ALLOWS_ACCESS_TO_IOT_THING_ADMIN_WRITE_ACTIONS: 'access to IoT thing admin write actions',
  ALLOWS_BROAD_ACCESS_TO_IOT_THING_ADMIN_READ_ACTIONS: 'broad access to IoT thing admin read actions',
  ALLOWS_ACCESS_TO_IOT_NON_THING_ADMIN_ACTIONS: 'access to IoT non-thing admin actions',
  ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS: 'broad access to IoT data plane actions',
};

/** The offending actions per code, for the codes a check reports; codes with none are left out. */
export async function iotRoleViolations(
  statements: AllowStatement[],
  codes: RoleCode[],
): Promise<{ code: RoleCode; reason: (roleArn: string) => string }[]> {
  const offending: Record<RoleCode, () => string[] | Promise<string[]>> = {
    ALLOWS_ACCESS_TO_IOT_ADMIN_ACTIONS: () => allowedActions(statements, [...THING_ADMIN_WRITE, ...THING_ADMIN_READ, ...NON_THING_ADMIN]),
    ALLOWS_ACCESS_TO_IOT_THING_ADMIN_WRITE_ACTIONS: () => allowedActions(statements, THING_ADMIN_WRITE),
    ALLOWS_BROAD_ACCESS_TO_IOT_THING_ADMIN_READ_ACTIONS: () => broadThingAdminRead(statements),
    ALLOWS_ACCESS_TO_IOT_NON_THING_ADMIN_ACTIONS: () => allowedActions(statements, NON_THING_ADMIN),
    ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS: () => broadDataPlaneActions(statements),
  };
  const violations: { code: RoleCode; reason: (roleArn: string) => string }[] = [];
  for (const code of codes) {
    const actions = await offending[code]();
    if (actions.length > 0) violations.push({ code, reason: (roleArn: string) => `Role ${roleArn} allows ${DESCRIPTIONS[code]}: ${actionList(actions)}.` });
  }
  return violations;
}
