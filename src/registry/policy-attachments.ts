// Policy attachments: AttachPolicy, DetachPolicy, ListTargetsForPolicy, ListAttachedPolicies and
// the deprecated principal-policy operations, which are the same operations restricted to certificate and Cognito
// targets. A target is stored in canonical form (certificate ids lower case) so every spelling of one certificate
// names one attachment. policy_targets.seq records attach order across the account and region.
import type { HandlerTable, RequestContext } from './context.js';
import type {
  AttachPolicyInput,
  AttachPolicyOutput,
  AttachPrincipalPolicyInput,
  AttachPrincipalPolicyOutput,
  DetachPolicyInput,
  DetachPolicyOutput,
  DetachPrincipalPolicyInput,
  DetachPrincipalPolicyOutput,
  ListAttachedPoliciesInput,
  ListAttachedPoliciesOutput,
  ListPolicyPrincipalsInput,
  ListPolicyPrincipalsOutput,
  ListPrincipalPoliciesInput,
  ListPrincipalPoliciesOutput,
  ListTargetsForPolicyInput,
  ListTargetsForPolicyOutput,
} from '../model/types.generated.js';
import { scope } from './context.js';
import { iotArn } from '../kernel/arn.js';
import { invalidRequest, limitExceeded, notFound } from '../kernel/errors.js';
import { decodeToken, DEFAULT_PAGE_SIZE, encodeToken } from '../kernel/pagination.js';
import { policyArn, requirePolicy } from './policies.js';
import { scoped } from '../store/scoped.js';

const MAX_POLICIES_PER_TARGET = 10;

const TARGET_ARN = /^arn:aws:iot:([^:]*):([^:]*):(cert|thinggroup)\/(.+)$/;
const COGNITO_IDENTITY = /^[a-z]{2}(-[a-z]+)+-\d+:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const CERTIFICATE_ID = /^[0-9a-f]{64}$/;

type TargetKind = 'cert' | 'thinggroup' | 'cognito';

interface Target {
  kind: TargetKind;
  /** The canonical string stored in policy_targets.target. */
  target: string;
  /** The resource behind a certificate or thing-group ARN of the caller's account and region. */
  id?: string;
  /**
   * False when the ARN belongs to another account or region: such a target never exists here
   * (docs/decisions.md#w2).
   */
  local: boolean;
}

/** Classifies a target string without touching the store; anything unrecognised is a request error. */
function parseTarget(ctx: RequestContext, raw: string, what: string, allowGroups: boolean): Target {
  if (COGNITO_IDENTITY.test(raw)) return { kind: 'cognito', target: raw, local: true };
  const m = TARGET_ARN.exec(raw);
  if (m && (allowGroups || m[3] === 'cert')) {
    const kind = m[3] as 'cert' | 'thinggroup';
    const local = m[1] === ctx.region && m[2] === ctx.accountId;
    const id = kind === 'cert' ? m[4]!.toLowerCase() : m[4]!;
    return { kind, target: local ? iotArn(ctx, kind, id) : raw, id, local };
  }
  const allowed = allowGroups
    ? 'a certificate ARN, a thing-group ARN or an Amazon Cognito identity id (<region>:<uuid>)'
    : 'a certificate ARN or an Amazon Cognito identity id (<region>:<uuid>)';
  throw invalidRequest(`${what} ${raw} is not ${allowed}`);
}

async function certificateExists(ctx: RequestContext, certificateId: string): Promise<boolean> {
  if (!CERTIFICATE_ID.test(certificateId)) return false;
  const row = await scoped(ctx)
    .selectFrom('certificates')
    .select('certificate_id')
    .where('certificate_id', '=', certificateId)
    .executeTakeFirst();
  return row !== undefined;
}

async function findGroup(ctx: RequestContext, groupName: string) {
  return scoped(ctx)
    .selectFrom('thing_groups')
    .select(['group_name', 'parent_name', 'is_dynamic'])
    .where('group_name', '=', groupName)
    .executeTakeFirst();
}

/** Throws ResourceNotFoundException unless the target exists (Cognito identities are taken on trust). */
async function requireTargetExists(ctx: RequestContext, t: Target, what: string): Promise<void> {
  if (t.kind === 'cognito') return;
  const missing = () => notFound(`${what} ${t.target} does not exist`);
  if (!t.local) throw missing();
  if (t.kind === 'cert' ? !(await certificateExists(ctx, t.id!)) : !(await findGroup(ctx, t.id!))) throw missing();
}

async function policiesOn(ctx: RequestContext, targets: string[]) {
  if (targets.length === 0) return [];
  return scoped(ctx)
    .selectFrom('policy_targets')
    .select(['policy_name', 'target', 'seq'])
    .where('target', 'in', targets)
    .execute();
}

async function nextSeq(ctx: RequestContext): Promise<number> {
  const row = await scoped(ctx)
    .selectFrom('policy_targets')
    .select((eb) => eb.fn.max('seq').as('max'))
    .executeTakeFirst();
  return Number(row?.max ?? 0) + 1;
}

async function attach(ctx: RequestContext, policyName: string, t: Target): Promise<void> {
  await requirePolicy(ctx, policyName);
  await requireTargetExists(ctx, t, 'Target');
  if (t.kind === 'thinggroup') {
    const group = await findGroup(ctx, t.id!);
    if (group?.is_dynamic) throw invalidRequest(`Thing group ${t.id} is a dynamic thing group; policies cannot be attached to dynamic groups`);
  }
  const attached = await policiesOn(ctx, [t.target]);
  if (attached.some((a) => a.policy_name === policyName)) return; // attaching again is a no-op
  if (attached.length >= MAX_POLICIES_PER_TARGET)
    throw limitExceeded(`${t.target} already has ${attached.length} policies attached; a target may have at most ${MAX_POLICIES_PER_TARGET}`);
  await ctx.db
    .insertInto('policy_targets')
    .values({ ...scope(ctx), policy_name: policyName, target: t.target, attached_at: ctx.now, seq: await nextSeq(ctx) })
    .execute();
}

async function detach(ctx: RequestContext, policyName: string, t: Target): Promise<void> {
  await scoped(ctx)
    .deleteFrom('policy_targets')
    .where('policy_name', '=', policyName)
    .where('target', '=', t.target)
    .execute();
}

/** Removes every policy from a target; for deletes that take attachments with them (e.g. forceDelete of a certificate). */
export async function detachAllPolicies(ctx: RequestContext, target: string): Promise<void> {
  await scoped(ctx)
    .deleteFrom('policy_targets')
    .where('target', '=', target)
    .execute();
}

/** Names of the policies attached directly to a target (canonical form), for other areas' rules and audits. */
export async function attachedPolicyNames(ctx: RequestContext, target: string): Promise<string[]> {
  return (await policiesOn(ctx, [target])).map((r) => r.policy_name);
}

// ---- in-memory keyset paging for the short per-target lists (at most 10 policies per target and 8 group levels)

type Key = (number | string)[];

function compareKeys(a: Key, b: Key): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i]! < b[i]!) return -1;
    if (a[i]! > b[i]!) return 1;
  }
  return 0;
}

/** The paging members of the marker-style list operations. */
interface MarkerPaging {
  marker?: string;
  pageSize?: number;
}

function pageInMemory<T>(
  items: T[],
  keyOf: (t: T) => Key,
  input: MarkerPaging,
  op: string,
  filters: unknown,
  descending = false,
) {
  const pageSize: number = input.pageSize ?? DEFAULT_PAGE_SIZE;
  const sign = descending ? -1 : 1;
  const sorted = [...items].sort((a, b) => sign * compareKeys(keyOf(a), keyOf(b)));
  let rest = sorted;
  if (input.marker !== undefined) {
    const after = decodeToken(op, filters, input.marker, 'marker') as Key;
    rest = sorted.filter((t) => sign * compareKeys(keyOf(t), after) > 0);
  }
  const page = rest.slice(0, pageSize);
  const next = rest.length > pageSize ? encodeToken(op, filters, keyOf(page[page.length - 1]!)) : undefined;
  return { page, next };
}

/** The target group and its ancestors, nearest first. */
async function groupLineage(ctx: RequestContext, groupName: string): Promise<string[]> {
  const lineage: string[] = [];
  let name: string | null = groupName;
  while (name !== null && !lineage.includes(name)) {
    lineage.push(name);
    const group = await findGroup(ctx, name);
    name = group?.parent_name ?? null;
  }
  return lineage;
}

// ---- handlers

async function attachPolicy(input: AttachPolicyInput, ctx: RequestContext): Promise<AttachPolicyOutput> {
  await attach(ctx, input.policyName, parseTarget(ctx, input.target, 'Target', true));
  return {};
}

// No ResourceNotFoundException is modeled for DetachPolicy: a missing policy, target or attachment is a no-op.
async function detachPolicy(input: DetachPolicyInput, ctx: RequestContext): Promise<DetachPolicyOutput> {
  await detach(ctx, input.policyName, parseTarget(ctx, input.target, 'Target', true));
  return {};
}

/** Targets of a policy in attach order; paged in SQL because a policy may be attached to any number of targets. */
async function listTargets(
  ctx: RequestContext,
  input: MarkerPaging & { policyName: string },
  op: string,
  principalsOnly: boolean,
  descending: boolean,
) {
  const policy = await requirePolicy(ctx, input.policyName);
  const filters = { policyName: policy.policy_name, descending };
  const pageSize: number = input.pageSize ?? DEFAULT_PAGE_SIZE;
  const cmp = descending ? '<' : '>';
  const dir = descending ? 'desc' : 'asc';
  let q = scoped(ctx)
    .selectFrom('policy_targets')
    .select(['target', 'seq'])
    .where('policy_name', '=', policy.policy_name)
    .orderBy('seq', dir)
    .orderBy('target', dir)
    .limit(pageSize + 1);
  // Thing groups are stored by their canonical ARN, so this pattern matches exactly the group targets.
  if (principalsOnly) q = q.where('target', 'not like', `arn:aws:iot:${ctx.region}:${ctx.accountId}:thinggroup/%`);
  if (input.marker !== undefined) {
    const [seq, target] = decodeToken(op, filters, input.marker, 'marker');
    if (typeof seq !== 'number' || typeof target !== 'string') throw invalidRequest(`marker is invalid for ${op}`);
    q = q.where((eb) => eb.or([eb('seq', cmp, seq), eb.and([eb('seq', '=', seq), eb('target', cmp, target)])]));
  }
  const rows = await q.execute();
  const page = rows.slice(0, pageSize);
  const next = rows.length > pageSize ? encodeToken(op, filters, [page[page.length - 1]!.seq, page[page.length - 1]!.target]) : undefined;
  return { targets: page.map((r) => r.target), next };
}

async function listTargetsForPolicy(
  input: ListTargetsForPolicyInput,
  ctx: RequestContext,
): Promise<ListTargetsForPolicyOutput> {
  const { targets, next } = await listTargets(ctx, input, 'ListTargetsForPolicy', false, false);
  return { targets, nextMarker: next };
}

async function listAttachedPolicies(
  input: ListAttachedPoliciesInput,
  ctx: RequestContext,
): Promise<ListAttachedPoliciesOutput> {
  const t = parseTarget(ctx, input.target, 'Target', true);
  await requireTargetExists(ctx, t, 'Target');
  const recursive = input.recursive === true && t.kind === 'thinggroup';
  // Depth 0 is the target itself, then its parent, grandparent...; a policy found at several levels is listed once,
  // at the nearest level.
  const levels = recursive ? (await groupLineage(ctx, t.id!)).map((g) => iotArn(ctx, 'thinggroup', g)) : [t.target];
  const rows = await policiesOn(ctx, levels);
  const nearest = new Map<string, { name: string; depth: number; seq: number }>();
  for (const r of rows) {
    const depth = levels.indexOf(r.target);
    const seen = nearest.get(r.policy_name);
    if (!seen || depth < seen.depth) nearest.set(r.policy_name, { name: r.policy_name, depth, seq: r.seq });
  }
  const filters = { target: t.target, recursive };
  const { page, next } = pageInMemory([...nearest.values()], (p) => [p.depth, p.seq, p.name], input, 'ListAttachedPolicies', filters);
  return { policies: page.map((p) => ({ policyName: p.name, policyArn: policyArn(ctx, p.name) })), nextMarker: next };
}

// ---- deprecated principal-policy operations: certificate and Cognito targets only

async function attachPrincipalPolicy(
  input: AttachPrincipalPolicyInput,
  ctx: RequestContext,
): Promise<AttachPrincipalPolicyOutput> {
  await attach(ctx, input.policyName, parseTarget(ctx, input.principal, 'Principal', false));
  return {};
}

async function detachPrincipalPolicy(
  input: DetachPrincipalPolicyInput,
  ctx: RequestContext,
): Promise<DetachPrincipalPolicyOutput> {
  await detach(ctx, input.policyName, parseTarget(ctx, input.principal, 'Principal', false));
  return {};
}

/** Newest attachment first unless ascending (docs/decisions.md#r14). */
async function listPrincipalPolicies(
  input: ListPrincipalPoliciesInput,
  ctx: RequestContext,
): Promise<ListPrincipalPoliciesOutput> {
  const t = parseTarget(ctx, input.principal, 'Principal', false);
  await requireTargetExists(ctx, t, 'Principal');
  const ascending = input.ascendingOrder === true;
  const rows = await policiesOn(ctx, [t.target]);
  const filters = { principal: t.target, ascending };
  const { page, next } = pageInMemory(rows, (r) => [r.seq, r.policy_name], input, 'ListPrincipalPolicies', filters, !ascending);
  return { policies: page.map((r) => ({ policyName: r.policy_name, policyArn: policyArn(ctx, r.policy_name) })), nextMarker: next };
}

async function listPolicyPrincipals(
  input: ListPolicyPrincipalsInput,
  ctx: RequestContext,
): Promise<ListPolicyPrincipalsOutput> {
  const { targets, next } = await listTargets(ctx, input, 'ListPolicyPrincipals', true, input.ascendingOrder !== true);
  return { principals: targets, nextMarker: next };
}

export const policyAttachmentHandlers = {
  AttachPolicy: attachPolicy,
  DetachPolicy: detachPolicy,
  ListTargetsForPolicy: listTargetsForPolicy,
  ListAttachedPolicies: listAttachedPolicies,
  AttachPrincipalPolicy: attachPrincipalPolicy,
  DetachPrincipalPolicy: detachPrincipalPolicy,
  ListPrincipalPolicies: listPrincipalPolicies,
  ListPolicyPrincipals: listPolicyPrincipals,
} satisfies HandlerTable;
