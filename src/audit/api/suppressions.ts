// Audit finding suppressions: Create/Describe/Update/Delete/ListAuditSuppressions. Keyed by the canonical check
// name and the normalised resource identifier (docs/decisions.md#a30); the caller's spellings are returned
// (docs/decisions.md#a20).
import { createHash } from 'node:crypto';
import type { HandlerTable, RequestContext } from '../../registry/context.js';
import type {
  ResourceIdentifier,
  CreateAuditSuppressionInput,
  CreateAuditSuppressionOutput,
  DeleteAuditSuppressionInput,
  DeleteAuditSuppressionOutput,
  DescribeAuditSuppressionInput,
  DescribeAuditSuppressionOutput,
  ListAuditSuppressionsInput,
  ListAuditSuppressionsOutput,
  UpdateAuditSuppressionInput,
  UpdateAuditSuppressionOutput,
} from '../../model/types.generated.js';
import { scope } from '../../registry/context.js';
import type { AuditSuppressionRow } from '../../store/schema.js';
import { alreadyExists, invalidRequest, limitExceeded, notFound } from '../../kernel/errors.js';
import { decodeToken, DEFAULT_PAGE_SIZE, pageOf } from '../../kernel/pagination.js';
import { fromJson, toJson } from '../../kernel/json.js';
import { requireCheckName, resourceKey } from '../engine/catalogue.js';
import { scoped } from '../../store/scoped.js';

/** Suppressions per account and region (docs/decisions.md#a29). */
export const MAX_SUPPRESSIONS = 10_000;
/** Sort value of an indefinite suppression: after every date (docs/decisions.md#a8). */
const INDEFINITE = Number.MAX_SAFE_INTEGER;

interface Key {
  checkName: string;
  resourceKey: string;
}

function keyOf(input: { checkName: string; resourceIdentifier: ResourceIdentifier }, ctx: RequestContext): Key {
  const checkName = requireCheckName(input.checkName);
  return { checkName, resourceKey: resourceKey(checkName, input.resourceIdentifier, ctx.accountId) };
}

async function findSuppression(ctx: RequestContext, key: Key): Promise<AuditSuppressionRow | undefined> {
  return scoped(ctx)
    .selectFrom('audit_suppressions')
    .selectAll()
    .where('check_name', '=', key.checkName)
    .where('resource_key', '=', key.resourceKey)
    .executeTakeFirst();
}

async function requireSuppression(ctx: RequestContext, key: Key): Promise<AuditSuppressionRow> {
  const row = await findSuppression(ctx, key);
  if (!row) throw notFound(`No audit suppression exists for ${key.checkName} and this resource`);
  return row;
}

/** The lifetime rule (docs/decisions.md#a8): exactly one of a future expirationDate or suppressIndefinitely=true. */
function checkLifetime(expirationDate: number | undefined, indefinitely: boolean, now: number): void {
  if (expirationDate !== undefined && indefinitely)
    throw invalidRequest('Give either expirationDate or suppressIndefinitely=true, not both');
  if (expirationDate === undefined && !indefinitely)
    throw invalidRequest('A suppression needs an expirationDate or suppressIndefinitely=true');
  if (expirationDate !== undefined && expirationDate <= now)
    throw invalidRequest(`expirationDate ${new Date(expirationDate).toISOString()} is not in the future`);
}

function suppressionOutput(row: AuditSuppressionRow) {
  return {
    checkName: row.given_check_name,
    resourceIdentifier: fromJson(row.resource_identifier, {}),
    expirationDate: row.expiration_date ?? undefined,
    suppressIndefinitely: row.suppress_indefinitely === 1 ? true : undefined,
    description: row.description ?? undefined,
  };
}

function requestHash(input: CreateAuditSuppressionInput): string {
  const { clientRequestToken: _token, ...rest } = input;
  const canonical = { ...rest, expirationDate: rest.expirationDate?.getTime() };
  return createHash('sha256').update(toJson(canonical)).digest('hex');
}

async function createAuditSuppression(
  input: CreateAuditSuppressionInput,
  ctx: RequestContext,
): Promise<CreateAuditSuppressionOutput> {
  const key = keyOf(input, ctx);
  const hash = requestHash(input);
  const byToken = await scoped(ctx)
    .selectFrom('audit_suppressions')
    .select('request_hash')
    .where('client_request_token', '=', input.clientRequestToken)
    .executeTakeFirst();
  if (byToken) {
    if (byToken.request_hash === hash) return {}; // a retry of the same request (docs/decisions.md#a8)
    throw invalidRequest('clientRequestToken was already used with different parameters');
  }
  const expirationDate = input.expirationDate?.getTime();
  checkLifetime(expirationDate, input.suppressIndefinitely === true, ctx.now);
  if (await findSuppression(ctx, key))
    throw alreadyExists(`An audit suppression for ${key.checkName} and this resource already exists`, key.resourceKey);
  const count = await scoped(ctx)
    .selectFrom('audit_suppressions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  if (Number(count.n) >= MAX_SUPPRESSIONS)
    throw limitExceeded(`This account and region already have ${MAX_SUPPRESSIONS} audit suppressions, the maximum`);
  await ctx.db
    .insertInto('audit_suppressions')
    .values({
      ...scope(ctx),
      check_name: key.checkName,
      resource_key: key.resourceKey,
      given_check_name: input.checkName,
      resource_identifier: toJson(input.resourceIdentifier),
      expiration_date: expirationDate ?? null,
      suppress_indefinitely: input.suppressIndefinitely === true ? 1 : 0,
      description: input.description ?? null,
      client_request_token: input.clientRequestToken,
      request_hash: hash,
    })
    .execute();
  return {};
}

async function describeAuditSuppression(
  input: DescribeAuditSuppressionInput,
  ctx: RequestContext,
): Promise<DescribeAuditSuppressionOutput> {
  return suppressionOutput(await requireSuppression(ctx, keyOf(input, ctx)));
}

async function updateAuditSuppression(
  input: UpdateAuditSuppressionInput,
  ctx: RequestContext,
): Promise<UpdateAuditSuppressionOutput> {
  const key = keyOf(input, ctx);
  const row = await requireSuppression(ctx, key);
  const sentDate = input.expirationDate?.getTime();
  if (sentDate !== undefined && input.suppressIndefinitely === true)
    throw invalidRequest('Give either expirationDate or suppressIndefinitely=true, not both');
  // A new date ends indefiniteness; suppressIndefinitely=true clears the date (docs/decisions.md#a8).
  let expirationDate = row.expiration_date ?? undefined;
  let indefinitely = row.suppress_indefinitely === 1;
  if (sentDate !== undefined) {
    expirationDate = sentDate;
    indefinitely = false;
  }
  if (input.suppressIndefinitely === true) {
    expirationDate = undefined;
    indefinitely = true;
  } else if (input.suppressIndefinitely === false) indefinitely = false;
  checkLifetime(expirationDate, indefinitely, ctx.now);
  await scoped(ctx)
    .updateTable('audit_suppressions')
    .set({
      expiration_date: expirationDate ?? null,
      suppress_indefinitely: indefinitely ? 1 : 0,
      description: input.description ?? row.description,
    })
    .where('check_name', '=', key.checkName)
    .where('resource_key', '=', key.resourceKey)
    .execute();
  return {};
}

async function deleteAuditSuppression(
  input: DeleteAuditSuppressionInput,
  ctx: RequestContext,
): Promise<DeleteAuditSuppressionOutput> {
  const key = keyOf(input, ctx);
  await scoped(ctx)
    .deleteFrom('audit_suppressions')
    .where('check_name', '=', key.checkName)
    .where('resource_key', '=', key.resourceKey)
    .execute();
  return {};
}

const sortDate = (row: AuditSuppressionRow) => (row.suppress_indefinitely === 1 ? INDEFINITE : row.expiration_date ?? INDEFINITE);

async function listAuditSuppressions(
  input: ListAuditSuppressionsInput,
  ctx: RequestContext,
): Promise<ListAuditSuppressionsOutput> {
  if (input.resourceIdentifier !== undefined && input.checkName === undefined)
    throw invalidRequest('resourceIdentifier can only be used together with checkName');
  const checkName = input.checkName === undefined ? undefined : requireCheckName(input.checkName);
  const key = input.resourceIdentifier === undefined ? undefined : resourceKey(checkName!, input.resourceIdentifier, ctx.accountId);
  const ascending = input.ascendingOrder !== false;
  const filters = { checkName, key, ascending };
  const pageSize: number = input.maxResults ?? DEFAULT_PAGE_SIZE;
  let q = ctx.db.selectFrom('audit_suppressions').selectAll().where('account_id', '=', ctx.accountId).where('region', '=', ctx.region);
  if (checkName !== undefined) q = q.where('check_name', '=', checkName);
  if (key !== undefined) q = q.where('resource_key', '=', key);
  // At most 10,000 rows (docs/decisions.md#a29): sorting in memory keeps the "indefinite = latest" rule out of SQL.
  const sign = ascending ? 1 : -1;
  const sortKey = (r: AuditSuppressionRow): [number, string, string] => [sortDate(r), r.check_name, r.resource_key];
  const compare = (a: [number, string, string], b: [number, string, string]) =>
    sign * (a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0));
  let rows = (await q.execute()).sort((a, b) => compare(sortKey(a), sortKey(b)));
  if (input.nextToken !== undefined) {
    const after = decodeToken('ListAuditSuppressions', filters, input.nextToken) as [number, string, string];
    rows = rows.filter((r) => compare(sortKey(r), after) > 0);
  }
  const page = pageOf(rows.slice(0, pageSize + 1), pageSize, 'ListAuditSuppressions', filters, sortKey);
  return { suppressions: page.items.map(suppressionOutput), nextToken: page.next };
}

export const auditSuppressionHandlers = {
  CreateAuditSuppression: createAuditSuppression,
  DescribeAuditSuppression: describeAuditSuppression,
  UpdateAuditSuppression: updateAuditSuppression,
  DeleteAuditSuppression: deleteAuditSuppression,
  ListAuditSuppressions: listAuditSuppressions,
} satisfies HandlerTable;
