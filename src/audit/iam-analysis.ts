// Classification of IAM role policies for the Cognito and role-alias checks (audit.md §4.5, Dec A15, A25, A34).
// Only Allow statements count (a Deny never cancels an Allow, as for IoT policies [Dec A11]); action patterns match
// case-insensitively with * and ?; NotAction grants everything it does not exclude; NotResource counts as broad.
//
// The data-plane breadth rule (§5.3) is implemented locally in `broadDataPlaneActions` until the shared IoT policy
// analyser (src/audit/policy-analyser.ts) exports one; the two should be unified.
import { MODEL } from '../model/model.js';
import type { Db } from '../store/store.js';
import { fromJson } from '../domain/json.js';

export const THING_ADMIN_WRITE = [
  'AddThingToThingGroup', 'AttachThingPrincipal', 'CreateThing', 'DeleteThing', 'DetachThingPrincipal', 'ListThings',
  'ListThingsInThingGroup', 'RegisterThing', 'RemoveThingFromThingGroup', 'UpdateThing', 'UpdateThingGroupsForThing',
].map((a) => `iot:${a}`);
export const THING_ADMIN_READ = ['DescribeThing', 'ListJobExecutionsForThing', 'ListThingGroupsForThing', 'ListThingPrincipals'].map((a) => `iot:${a}`);

/** §5.2 in canonical order, with the resource type each action is authorised on. */
export const DATA_PLANE: [string, string][] = [
  ['iot:Connect', 'client'], ['iot:Publish', 'topic'], ['iot:RetainPublish', 'topic'], ['iot:Subscribe', 'topicfilter'],
  ['iot:GetThingShadow', 'thing'], ['iot:UpdateThingShadow', 'thing'], ['iot:DeleteThingShadow', 'thing'],
  ['iot:ListNamedShadowsForThing', 'thing'], ['iot:DescribeJobExecution', 'thing'], ['iot:GetPendingJobExecutions', 'thing'],
  ['iot:StartNextPendingJobExecution', 'thing'], ['iot:UpdateJobExecution', 'thing'],
];

const CLASSIFIED = new Set([...THING_ADMIN_WRITE, ...THING_ADMIN_READ, ...DATA_PLANE.map(([a]) => a), 'iot:Receive']);
/** Every other operation of the AWS IoT model (§4.5 "non-thing admin"), sorted. */
export const NON_THING_ADMIN = Object.keys(MODEL.operations).map((op) => `iot:${op}`).filter((a) => !CLASSIFIED.has(a)).sort();

export const SECURITY_AUDITING_SERVICES = ['cloudtrail', 'guardduty', 'iam', 'inspector', 'trustedadvisor'];

export interface AllowStatement {
  actions?: string[];
  notActions?: string[];
  resources?: string[];
  notResources?: string[];
  attachedBound: boolean;
}

const list = (v: unknown): string[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v.map(String) : [String(v)]);

/** The Allow statements of a role's policy documents (as stored by the IAM ingest endpoint). */
export function allowStatements(policies: unknown[]): AllowStatement[] {
  const out: AllowStatement[] = [];
  for (const doc of policies) {
    const raw = (doc as { Statement?: unknown }).Statement;
    for (const s of (Array.isArray(raw) ? raw : [raw]) as Record<string, unknown>[]) {
      if (!s || s.Effect !== 'Allow') continue;
      const bool = (s.Condition as Record<string, Record<string, unknown>> | undefined)?.Bool;
      const attached = bool?.['iot:Connection.Thing.IsAttached'];
      out.push({
        actions: list(s.Action),
        notActions: list(s.NotAction),
        resources: list(s.Resource),
        notResources: list(s.NotResource),
        attachedBound: attached === true || attached === 'true',
      });
    }
  }
  return out;
}

const globCache = new Map<string, RegExp>();
/** IAM-style glob: * any run, ? one character; case-insensitive (action names). */
export function glob(pattern: string): RegExp {
  let re = globCache.get(pattern);
  if (!re) {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    re = new RegExp(`^${body}$`, 'i');
    globCache.set(pattern, re);
  }
  return re;
}

export function allowsAction(s: AllowStatement, action: string): boolean {
  if (s.actions) return s.actions.some((p) => glob(p).test(action));
  return !(s.notActions ?? []).some((p) => glob(p).test(action));
}

export function allowedActions(statements: AllowStatement[], actions: string[]): string[] {
  return actions.filter((a) => statements.some((s) => allowsAction(s, a)));
}

// ---- resource breadth (§5.3) -------------------------------------------------------------------------------

const DEVICE_BOUND = /^\$\{iot:(Connection\.Thing\.ThingName|ClientId|Certificate\.[^}]*|Connection\.Thing\.Attributes\[[^}]*\])\}/;
const CLIENT_BROAD_VARIABLES = /^\$\{iot:(ClientId|Connection\.Thing\.ThingName)\}/;

/** Whether `resource` grants `type` broadly; undefined when it does not cover that resource type at all. */
export function broadResource(resource: string, type: string, attachedBound: boolean): boolean | undefined {
  if (resource === '*') return true;
  const m = /^arn:[^:]*:([^:]*):[^:]*:[^:]*:(.*)$/.exec(resource);
  if (!m || !glob(m[1]!).test('iot')) return undefined;
  const rest = m[2]!;
  const slash = rest.indexOf('/');
  const resourceType = slash === -1 ? rest : rest.slice(0, slash);
  if (/[*?]/.test(resourceType)) return glob(resourceType).test(type) ? true : undefined;
  if (resourceType !== type || slash === -1) return undefined;
  const path = rest.slice(slash + 1);
  if (path === '*') return true;
  // The literal prefix ends at the first wildcard, variable or (for topic filters) MQTT wildcard segment.
  let end = path.length;
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    const segmentStart = i === 0 || path[i - 1] === '/';
    const mqtt = type === 'topicfilter' && segmentStart && (c === '+' || c === '#') && (i + 1 === path.length || path[i + 1] === '/');
    if (c === '*' || c === '?' || path.startsWith('${', i) || mqtt) {
      end = i;
      break;
    }
  }
  if (end === path.length) return false;
  const prefix = path.slice(0, end);
  const variable = path.slice(end);
  if (type === 'client' && CLIENT_BROAD_VARIABLES.test(variable)) return !attachedBound;
  if (DEVICE_BOUND.test(variable)) return false;
  if (type === 'topic' || type === 'topicfilter') return '$aws/things/'.startsWith(prefix);
  return prefix === '';
}

function grantsBroadly(s: AllowStatement, type: string): boolean {
  if (s.notResources) return true;
  return (s.resources ?? []).some((r) => broadResource(r, type, s.attachedBound) === true);
}

/** The data-plane actions (other than iot:Receive) the statements allow on broad resources, in canonical order. */
export function broadDataPlaneActions(statements: AllowStatement[]): string[] {
  return DATA_PLANE.filter(([action, type]) => statements.some((s) => allowsAction(s, action) && grantsBroadly(s, type))).map(([a]) => a);
}

/** Thing-admin-read actions allowed on every thing (`*`, `thing/*`, …) rather than named ones. */
export function broadThingAdminRead(statements: AllowStatement[]): string[] {
  return THING_ADMIN_READ.filter((a) => statements.some((s) => allowsAction(s, a) && grantsBroadly(s, 'thing')));
}

// ---- services (checks 13, 14) ------------------------------------------------------------------------------

/** Whether some action of `service` is allowed (e.g. via `*`, `iam:*`, `i*:Get*`). */
function allowsService(s: AllowStatement, service: string): boolean {
  const touches = (p: string) => {
    const colon = p.indexOf(':');
    return colon === -1 ? glob(p).test(`${service}:x`) : glob(p.slice(0, colon)).test(service);
  };
  if (s.actions) return s.actions.some(touches);
  // NotAction excludes the whole service only with a `<service>:*`-like or `*` pattern.
  return !(s.notActions ?? []).some((p) => p === '*' || (p.endsWith(':*') && glob(p.slice(0, -2)).test(service)));
}

export function securityAuditingServices(statements: AllowStatement[]): string[] {
  return SECURITY_AUDITING_SERVICES.filter((svc) => statements.some((s) => allowsService(s, svc)));
}

/** The services the statements grant actions of: the service part of each pattern; `*` (or NotAction) is `*`. */
export function grantedServices(statements: AllowStatement[]): string[] {
  const services = new Set<string>();
  for (const s of statements) {
    if (!s.actions) {
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
    if (!s.actions) {
      patterns.add('NotAction');
      continue;
    }
    for (const p of s.actions) {
      if (p === '*') patterns.add('*');
      else if (p.endsWith(':*') && [...used].some((svc) => glob(p.slice(0, -2)).test(svc))) patterns.add(p);
    }
  }
  return [...patterns].sort();
}

// ---- reading the IAM store ---------------------------------------------------------------------------------

/** Raised when a check needs IAM data that is not in the store [Dec A33]; the engine reports it as errorCode. */
export class CheckDataUnavailable extends Error {
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
export function actionList(actions: string[], max = 20): string {
  if (actions.length <= max) return `[${actions.join(', ')}]`;
  return `[${actions.slice(0, max).join(', ')}, … and ${actions.length - max} more]`;
}

/** Raised with the findings proven for the other resources, so an engine can still report them [Dec A33]. */
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

/** The offending actions per code (§4.5 table), for the codes a check reports; codes with none are left out. */
export function iotRoleViolations(statements: AllowStatement[], codes: RoleCode[]): { code: RoleCode; reason: (roleArn: string) => string }[] {
  const offending: Record<RoleCode, () => string[]> = {
    ALLOWS_ACCESS_TO_IOT_ADMIN_ACTIONS: () => allowedActions(statements, [...THING_ADMIN_WRITE, ...THING_ADMIN_READ, ...NON_THING_ADMIN]),
    ALLOWS_ACCESS_TO_IOT_THING_ADMIN_WRITE_ACTIONS: () => allowedActions(statements, THING_ADMIN_WRITE),
    ALLOWS_BROAD_ACCESS_TO_IOT_THING_ADMIN_READ_ACTIONS: () => broadThingAdminRead(statements),
    ALLOWS_ACCESS_TO_IOT_NON_THING_ADMIN_ACTIONS: () => allowedActions(statements, NON_THING_ADMIN),
    ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS: () => broadDataPlaneActions(statements),
  };
  return codes.flatMap((code) => {
    const actions = offending[code]();
    return actions.length === 0 ? [] : [{ code, reason: (roleArn: string) => `Role ${roleArn} allows ${DESCRIPTIONS[code]}: ${actionList(actions)}.` }];
  });
}
