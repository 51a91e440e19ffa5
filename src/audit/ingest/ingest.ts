// The audit ingest endpoints (docs/decisions.md#x3): the inputs AWS collects internally — connection lifecycle
// events, IAM roles and identity pools, role-alias service usage — arrive here, scoped to the caller's account and
// region. Every record is validated before anything is stored, so a rejected batch stores nothing.
import type { Kysely, Transaction } from 'kysely';
import type { ExtensionRequest, ExtensionRoute } from '../../kernel/extension-route.js';
import type { Store } from '../../store/store.js';
import type { Database, LifecycleEventRow } from '../../store/schema.js';
import type { Clock } from '../../kernel/clock.js';
import { invalidRequest, notFound } from '../../kernel/errors.js';
import { parseTimestampText } from '../../kernel/timestamps.js';
import { parseJsonText, readJsonBody } from '../../kernel/json-body.js';
import { fromJson, toJson } from '../../kernel/json.js';
import { parseIotArn } from '../../kernel/arn.js';
import { DAY_MS } from '../../kernel/clock.js';

/** Events older than this (against ddlocal's clock) cannot matter to any audit window and are ignored. */
const LIFECYCLE_EVENT_MAX_AGE_MS = 400 * DAY_MS;
/** Rows per INSERT: well below SQLite's bound-parameter limit. */
const INSERT_CHUNK = 500;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A body that is one record, an array of records, or `{ <key>: [...] }`. */
function recordsOf(body: unknown, wrapperKey: string, what: string): Json[] {
  let list: unknown[];
  if (Array.isArray(body)) list = body;
  else if (isObject(body) && Array.isArray(body[wrapperKey]) && Object.keys(body).length === 1) list = body[wrapperKey] as unknown[];
  else list = [body];
  list.forEach((r, i) => {
    if (!isObject(r)) throw invalidRequest(`${what} [${i}] must be a JSON object`);
  });
  return list as Json[];
}

function requireString(record: Json, key: string, where: string): string {
  const v = record[key];
  if (typeof v !== 'string' || v === '') throw invalidRequest(`${where}: ${key} is required and must be a non-empty string`);
  return v;
}

function optionalString(record: Json, key: string, where: string): string | null {
  const v = record[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw invalidRequest(`${where}: ${key} must be a string`);
  return v;
}

function optionalBoolean(record: Json, key: string, where: string): number | null {
  const v = record[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'boolean') throw invalidRequest(`${where}: ${key} must be true or false`);
  return v ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Lifecycle events (docs/decisions.md#a14)

const IDENTITY_POOL_ID = /^[a-z]{2}(-[a-z]+)+-\d:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CERTIFICATE_ID = /^[0-9a-fA-F]{64}$/;

function lifecycleEventRow(record: Json, index: number, scope: { account_id: string; region: string }): LifecycleEventRow {
  const where = `event [${index}]`;
  const clientId = requireString(record, 'clientId', where);
  const eventType = requireString(record, 'eventType', where);
  if (eventType !== 'connected' && eventType !== 'disconnected')
    throw invalidRequest(`${where} (client ${clientId}): eventType must be connected or disconnected, not ${eventType}`);
  const timestamp = record.timestamp;
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0)
    throw invalidRequest(`${where} (client ${clientId}): timestamp is required and must be epoch milliseconds`);
  const principal = requireString(record, 'principalIdentifier', where);
  const poolId = optionalString(record, 'identityPoolId', where);
  if (poolId !== null && !IDENTITY_POOL_ID.test(poolId))
    throw invalidRequest(`${where} (client ${clientId}): identityPoolId ${poolId} is not of the form <region>:<uuid>`);
  return {
    ...scope,
    session_id: requireString(record, 'sessionIdentifier', where),
    event_type: eventType,
    event_time: timestamp,
    client_id: clientId,
    // Certificate ids are compared lower-case everywhere (docs/decisions.md#a30).
    principal_id: CERTIFICATE_ID.test(principal) ? principal.toLowerCase() : principal,
    identity_pool_id: poolId,
    authenticated: optionalBoolean(record, 'authenticated', where),
    ip_address: optionalString(record, 'ipAddress', where),
    disconnect_reason: optionalString(record, 'disconnectReason', where),
    client_initiated_disconnect: optionalBoolean(record, 'clientInitiatedDisconnect', where),
  };
}

/** Validates every event, drops too-old ones and in-batch duplicates, stores the rest; returns how many were new. */
async function ingestLifecycleEvents(
  db: Transaction<Database>,
  scope: { account_id: string; region: string },
  now: number,
  records: Json[],
): Promise<number> {
  const rows = records.map((r, i) => lifecycleEventRow(r, i, scope));
  const unique = new Map<string, LifecycleEventRow>();
  for (const row of rows)
    if (row.event_time >= now - LIFECYCLE_EVENT_MAX_AGE_MS) unique.set(`${row.session_id}\u0000${row.event_type}\u0000${row.event_time}`, row);
  let stored = 0;
  const all = [...unique.values()];
  for (let i = 0; i < all.length; i += INSERT_CHUNK) {
    const result = await db
      .insertInto('lifecycle_events')
      .values(all.slice(i, i + INSERT_CHUNK))
      .onConflict((oc) => oc.columns(['account_id', 'region', 'session_id', 'event_type', 'event_time']).doNothing())
      .executeTakeFirst();
    stored += Number(result.numInsertedOrUpdatedRows ?? 0);
  }
  return stored;
}

// ---------------------------------------------------------------------------------------------------------------
// IAM store (docs/decisions.md#a15)

const IAM_ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,64})$/;

function isIamRoleArn(arn: string): boolean {
  return IAM_ROLE_ARN.test(arn);
}

/** The last path segment of the request path after `prefix`, URL-decoded. */
function pathName(req: ExtensionRequest, prefix: string, what: string): string {
  const raw = req.path.slice(prefix.length);
  let name: string;
  try {
    name = decodeURIComponent(raw);
  } catch {
    throw invalidRequest(`The ${what} in ${req.path} is not valid URL encoding`);
  }
  if (name === '' || name.includes('/')) throw invalidRequest(`${req.method} ${prefix}{${what}} needs exactly one ${what}`);
  return name;
}

/**
 * A policy document given as an object or a JSON string; it needs a Statement of objects with an Effect. A string is
 * depth-checked like a body: the escaped text hides its nesting from the check of the body around it.
 */
function policyDocument(value: unknown, where: string): Json {
  const doc = typeof value === 'string' ? parseJsonText(value, where) : value;
  if (!isObject(doc)) throw invalidRequest(`${where} must be an IAM policy document (a JSON object)`);
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  if (doc.Statement === undefined || statements.length === 0) throw invalidRequest(`${where} has no Statement`);
  statements.forEach((s, i) => {
    if (!isObject(s)) throw invalidRequest(`${where} Statement [${i}] must be an object`);
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw invalidRequest(`${where} Statement [${i}]: Effect must be Allow or Deny`);
    if ((s.Action === undefined) === (s.NotAction === undefined))
      throw invalidRequest(`${where} Statement [${i}] needs exactly one of Action or NotAction`);
    if ((s.Resource === undefined) === (s.NotResource === undefined))
      throw invalidRequest(`${where} Statement [${i}] needs exactly one of Resource or NotResource`);
    for (const key of ['Action', 'NotAction', 'Resource', 'NotResource']) {
      const v = s[key];
      if (v !== undefined && typeof v !== 'string' && !(Array.isArray(v) && v.every((x) => typeof x === 'string')))
        throw invalidRequest(`${where} Statement [${i}]: ${key} must be a string or a list of strings`);
    }
  });
  return doc;
}

function iamRoleRoutes(store: Store, clock: Clock): ExtensionRoute[] {
  const prefix = '/_ddlocal/iam/roles/';
  const roleName = (req: ExtensionRequest) => {
    const name = pathName(req, prefix, 'roleName');
    if (!IAM_ROLE_NAME.test(name)) throw invalidRequest(`${name} is not a valid IAM role name (1-64 of letters, digits and +=,.@_-)`);
    return name;
  };
  const key = (req: ExtensionRequest, name: string) => ({ account_id: req.caller.accountId, region: req.caller.region, role_name: name });
  return [
    {
      method: 'PUT',
      path: prefix,
      action: 'ddlocal:PutIamRole',
      handler: async (req) => {
        const name = roleName(req);
        const body = readJsonBody(req.body);
        if (!isObject(body)) throw invalidRequest(`Role ${name}: the body must be a JSON object`);
        const arn = body.arn === undefined ? `arn:aws:iam::${req.caller.accountId}:role/${name}` : body.arn;
        const m = typeof arn === 'string' ? IAM_ROLE_ARN.exec(arn) : null;
        if (!m || m[1] !== name) throw invalidRequest(`Role ${name}: arn must be an IAM role ARN ending in role/…/${name}`);
        if (!Array.isArray(body.policies)) throw invalidRequest(`Role ${name}: policies is required and must be a list of policy documents`);
        const policies = body.policies.map((p, i) => policyDocument(p, `Role ${name} policies [${i}]`));
        const row = { ...key(req, name), role_arn: arn as string, policies: toJson(policies), updated_at: clock.now() };
        await store.transaction((db) =>
          db
            .insertInto('iam_roles')
            .values(row)
            .onConflict((oc) => oc.columns(['account_id', 'region', 'role_name']).doUpdateSet({ role_arn: row.role_arn, policies: row.policies, updated_at: row.updated_at }))
            .execute(),
        );
        return { body: { stored: 1 } };
      },
    },
    {
      method: 'GET',
      path: prefix,
      action: 'ddlocal:GetIamRole',
      handler: async (req) => {
        const name = roleName(req);
        const row = await store.transaction((db) =>
          db.selectFrom('iam_roles').selectAll().where('account_id', '=', req.caller.accountId).where('region', '=', req.caller.region).where('role_name', '=', name).executeTakeFirst(),
        );
        if (!row) throw notFound(`IAM role ${name} is not in ddlocal's IAM store`);
        return { body: { roleName: name, arn: row.role_arn, policies: fromJson<Json[]>(row.policies, []) } };
      },
    },
    {
      method: 'DELETE',
      path: prefix,
      action: 'ddlocal:DeleteIamRole',
      handler: async (req) => {
        const name = roleName(req);
        const result = await store.transaction((db) =>
          db.deleteFrom('iam_roles').where('account_id', '=', req.caller.accountId).where('region', '=', req.caller.region).where('role_name', '=', name).executeTakeFirst(),
        );
        if (Number(result.numDeletedRows) === 0) throw notFound(`IAM role ${name} is not in ddlocal's IAM store`);
        return { body: {} };
      },
    },
  ];
}

function identityPoolRoutes(store: Store, clock: Clock): ExtensionRoute[] {
  const prefix = '/_ddlocal/iam/identity-pools/';
  const poolId = (req: ExtensionRequest) => {
    const id = pathName(req, prefix, 'identityPoolId');
    if (!IDENTITY_POOL_ID.test(id)) throw invalidRequest(`${id} is not an identity pool id of the form <region>:<uuid>`);
    return id;
  };
  const inScope = (req: ExtensionRequest, id: string) => (db: Transaction<Database>) =>
    db.selectFrom('iam_identity_pools').selectAll().where('account_id', '=', req.caller.accountId).where('region', '=', req.caller.region).where('identity_pool_id', '=', id);
  return [
    {
      method: 'PUT',
      path: prefix,
      action: 'ddlocal:PutIdentityPool',
      handler: async (req) => {
        const id = poolId(req);
        const body = readJsonBody(req.body);
        if (!isObject(body)) throw invalidRequest(`Identity pool ${id}: the body must be a JSON object`);
        const roles: Record<string, string | null> = {};
        for (const key of ['authenticatedRoleArn', 'unauthenticatedRoleArn']) {
          const v = optionalString(body, key, `Identity pool ${id}`);
          if (v !== null && !isIamRoleArn(v)) throw invalidRequest(`Identity pool ${id}: ${key} ${v} is not an IAM role ARN`);
          roles[key] = v;
        }
        const row = {
          account_id: req.caller.accountId,
          region: req.caller.region,
          identity_pool_id: id,
          authenticated_role_arn: roles.authenticatedRoleArn ?? null,
          unauthenticated_role_arn: roles.unauthenticatedRoleArn ?? null,
          updated_at: clock.now(),
        };
        await store.transaction((db) =>
          db
            .insertInto('iam_identity_pools')
            .values(row)
            .onConflict((oc) =>
              oc.columns(['account_id', 'region', 'identity_pool_id']).doUpdateSet({
                authenticated_role_arn: row.authenticated_role_arn,
                unauthenticated_role_arn: row.unauthenticated_role_arn,
                updated_at: row.updated_at,
              }),
            )
            .execute(),
        );
        return { body: { stored: 1 } };
      },
    },
    {
      method: 'GET',
      path: prefix,
      action: 'ddlocal:GetIdentityPool',
      handler: async (req) => {
        const id = poolId(req);
        const row = await store.transaction((db) => inScope(req, id)(db).executeTakeFirst());
        if (!row) throw notFound(`Identity pool ${id} is not in ddlocal's IAM store`);
        const out: Json = { identityPoolId: id };
        if (row.authenticated_role_arn !== null) out.authenticatedRoleArn = row.authenticated_role_arn;
        if (row.unauthenticated_role_arn !== null) out.unauthenticatedRoleArn = row.unauthenticated_role_arn;
        return { body: out };
      },
    },
    {
      method: 'DELETE',
      path: prefix,
      action: 'ddlocal:DeleteIdentityPool',
      handler: async (req) => {
        const id = poolId(req);
        const result = await store.transaction((db) =>
          db.deleteFrom('iam_identity_pools').where('account_id', '=', req.caller.accountId).where('region', '=', req.caller.region).where('identity_pool_id', '=', id).executeTakeFirst(),
        );
        if (Number(result.numDeletedRows) === 0) throw notFound(`Identity pool ${id} is not in ddlocal's IAM store`);
        return { body: {} };
      },
    },
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Role-alias usage (docs/decisions.md#a34)

const SERVICE_PREFIX = /^[a-z0-9][a-z0-9-]*$/;

async function ingestRoleAliasUsage(db: Transaction<Database>, req: ExtensionRequest, now: number, records: Json[]): Promise<number> {
  const scope = { account_id: req.caller.accountId, region: req.caller.region };
  const rows = [];
  for (const [i, record] of records.entries()) {
    const where = `usage record [${i}]`;
    const given = requireString(record, 'roleAlias', where);
    let alias = given;
    if (given.startsWith('arn:')) {
      const parsed = parseIotArn(req.caller, given);
      if (!parsed || parsed.type !== 'rolealias')
        throw invalidRequest(`${where}: ${given} is not a role alias ARN of account ${scope.account_id} in ${scope.region}`);
      alias = parsed.id;
    }
    const exists = await db.selectFrom('role_aliases').select('role_alias').where('account_id', '=', scope.account_id).where('region', '=', scope.region).where('role_alias', '=', alias).executeTakeFirst();
    if (!exists) throw invalidRequest(`${where}: role alias ${alias} does not exist`);
    const service = requireString(record, 'service', where);
    if (!SERVICE_PREFIX.test(service)) throw invalidRequest(`${where}: service ${service} is not a service prefix such as s3`);
    let usedAt = now;
    if (record.time !== undefined) {
      const t = typeof record.time === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(record.time) ? parseTimestampText(record.time) : undefined;
      if (t === undefined) throw invalidRequest(`${where}: time must be an ISO-8601 date-time such as 2030-01-01T00:00:00Z`);
      usedAt = t.getTime();
    }
    rows.push({ ...scope, role_alias: alias, service, used_at: usedAt });
  }
  let stored = 0;
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    const result = await db
      .insertInto('role_alias_usage')
      .values(rows.slice(i, i + INSERT_CHUNK))
      .onConflict((oc) => oc.columns(['account_id', 'region', 'role_alias', 'service', 'used_at']).doNothing())
      .executeTakeFirst();
    stored += Number(result.numInsertedOrUpdatedRows ?? 0);
  }
  return stored;
}

export function auditIngestRoutes(store: Store, clock: Clock): ExtensionRoute[] {
  return [
    {
      method: 'POST',
      path: '/_ddlocal/lifecycle-events',
      action: 'ddlocal:PutLifecycleEvents',
      handler: async (req) => {
        const records = recordsOf(readJsonBody(req.body), 'events', 'event');
        const scope = { account_id: req.caller.accountId, region: req.caller.region };
        const now = clock.now();
        const stored = await store.transaction((db) => ingestLifecycleEvents(db, scope, now, records));
        return { body: { stored } };
      },
    },
    ...iamRoleRoutes(store, clock),
    ...identityPoolRoutes(store, clock),
    {
      method: 'POST',
      path: '/_ddlocal/role-alias-usage',
      action: 'ddlocal:PutRoleAliasUsage',
      handler: async (req) => {
        const records = recordsOf(readJsonBody(req.body), 'records', 'usage record');
        const now = clock.now();
        const stored = await store.transaction((db) => ingestRoleAliasUsage(db, req, now, records));
        return { body: { stored } };
      },
    },
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the events back: sessions for the connection-based audit checks (docs/decisions.md#a14)

export interface Session {
  sessionId: string;
  clientId: string;
  principalId: string;
  identityPoolId: string | null;
  authenticated: boolean | null;
  connectedAt: number;
  /** Undefined while the session is open: it then lasts until the window's end. */
  disconnectedAt?: number;
  disconnectReason: string | null;
}

type ReadDb = Kysely<Database> | Transaction<Database>;

/**
 * Every session whose interval meets [start, end]: a `connected` event at or before `end` paired with the first
 * `disconnected` event of the same session at or after it. One query; the pairing is a correlated MIN, which the
 * primary key (session, type, time) answers by index.
 */
export async function sessionsInWindow(
  db: ReadDb,
  accountId: string,
  region: string,
  start: number,
  end: number,
): Promise<Session[]> {
  const rows = await db
    .selectFrom('lifecycle_events as c')
    .select((eb) => [
      'c.session_id',
      'c.client_id',
      'c.principal_id',
      'c.identity_pool_id',
      'c.authenticated',
      'c.event_time',
      eb
        .selectFrom('lifecycle_events as d')
        .select((e) => e.fn.min('d.event_time').as('t'))
        .whereRef('d.account_id', '=', 'c.account_id')
        .whereRef('d.region', '=', 'c.region')
        .whereRef('d.session_id', '=', 'c.session_id')
        .where('d.event_type', '=', 'disconnected')
        .whereRef('d.event_time', '>=', 'c.event_time')
        .as('disconnected_at'),
    ])
    .where('c.account_id', '=', accountId)
    .where('c.region', '=', region)
    .where('c.event_type', '=', 'connected')
    .where('c.event_time', '<=', end)
    .execute();
  const sessions: Session[] = [];
  const closed: Session[] = [];
  for (const r of rows) {
    const disconnectedAt = r.disconnected_at === null || r.disconnected_at === undefined ? undefined : Number(r.disconnected_at);
    if (disconnectedAt !== undefined && disconnectedAt < start) continue;
    const session: Session = {
      sessionId: r.session_id,
      clientId: r.client_id,
      principalId: r.principal_id,
      identityPoolId: r.identity_pool_id,
      authenticated: r.authenticated === null ? null : r.authenticated === 1,
      connectedAt: Number(r.event_time),
      disconnectReason: null,
    };
    if (disconnectedAt !== undefined) {
      session.disconnectedAt = disconnectedAt;
      closed.push(session);
    }
    sessions.push(session);
  }
  await attachDisconnectReasons(db, accountId, region, start, closed);
  return sessions;
}

/** The disconnect reasons of the closed sessions (second query: the reason is not part of the MIN above). */
async function attachDisconnectReasons(db: ReadDb, accountId: string, region: string, start: number, closed: Session[]) {
  if (closed.length === 0) return;
  const rows = await db
    .selectFrom('lifecycle_events')
    .select(['session_id', 'event_time', 'disconnect_reason'])
    .where('account_id', '=', accountId)
    .where('region', '=', region)
    .where('event_type', '=', 'disconnected')
    .where('event_time', '>=', start)
    .where('disconnect_reason', 'is not', null)
    .execute();
  const reasons = new Map(rows.map((r) => [`${r.session_id}\u0000${Number(r.event_time)}`, r.disconnect_reason]));
  for (const s of closed) s.disconnectReason = reasons.get(`${s.sessionId}\u0000${s.disconnectedAt}`) ?? null;
}

/** The session's interval end inside a window ending at `end`. */
export const sessionEnd = (s: Session, end: number) => s.disconnectedAt ?? end;

/**
 * The sessions of `group` whose interval overlaps another session of the group (strictly: touching ends do not
 * overlap). Sorted by start, a session overlaps an earlier one iff the earlier ends' maximum passes its start, and a
 * later one iff the very next start comes before its end — so one sort and two linear passes.
 */
export function overlappingSessions(group: Session[], end: number): Set<Session> {
  const sorted = [...group].sort((a, b) => a.connectedAt - b.connectedAt);
  const involved = new Set<Session>();
  let maxEnd = -Infinity;
  for (let i = 0; i < sorted.length; i++) {
    const s = sorted[i]!;
    const next = sorted[i + 1];
    if (maxEnd > s.connectedAt || (next !== undefined && next.connectedAt < sessionEnd(s, end))) involved.add(s);
    maxEnd = Math.max(maxEnd, sessionEnd(s, end));
  }
  return involved;
}

export function groupBy<T>(items: T[], key: (item: T) => string | undefined): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === undefined) continue;
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** `CONNECTION_TIME` / `DISCONNECTION_TIME` of a related resource (docs/decisions.md#a38), epoch-ms strings. */
export function sessionTimes(s: Session): Record<string, string> {
  const info: Record<string, string> = { CONNECTION_TIME: String(s.connectedAt) };
  if (s.disconnectedAt !== undefined) info.DISCONNECTION_TIME = String(s.disconnectedAt);
  return info;
}

/** Most recent first, then by session id so equal times order deterministically. */
export const mostRecentFirst = (a: Session, b: Session) =>
  b.connectedAt - a.connectedAt || (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0);

export const isCertificateId = (principal: string) => CERTIFICATE_ID.test(principal);
