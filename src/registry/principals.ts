// Thing principals: AttachThingPrincipal, DetachThingPrincipal, ListThingPrincipals(V2),
// ListPrincipalThings(V2). A principal is a certificate ARN of the caller's account and region, stored in canonical
// form (certificate id lower case, as policy attachments store it), or an Amazon Cognito identity id taken on trust.
import type { HandlerTable, RequestContext } from './context.js';
import type {
  ThingPrincipalType,
  AttachThingPrincipalInput,
  AttachThingPrincipalOutput,
  DetachThingPrincipalInput,
  DetachThingPrincipalOutput,
  ListPrincipalThingsInput,
  ListPrincipalThingsOutput,
  ListPrincipalThingsV2Input,
  ListPrincipalThingsV2Output,
  ListThingPrincipalsInput,
  ListThingPrincipalsOutput,
  ListThingPrincipalsV2Input,
  ListThingPrincipalsV2Output,
} from '../model/types.generated.js';
import { scope } from './context.js';
import { iotArn } from '../kernel/arn.js';
import { invalidRequest, notFound } from '../kernel/errors.js';
import { decodeToken, DEFAULT_PAGE_SIZE, pageOf } from '../kernel/pagination.js';
import { requireThing } from './things.js';
import { findCertificate } from './certificates.js';
import { scoped } from '../store/scoped.js';

const EXCLUSIVE = 'EXCLUSIVE_THING';
const NON_EXCLUSIVE = 'NON_EXCLUSIVE_THING';

const CERT_ARN = /^arn:aws:iot:([^:]*):([^:]*):cert\/(.+)$/;
const COGNITO_IDENTITY = /^[a-z]{2}(-[a-z]+)+-\d+:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const CERTIFICATE_ID = /^[0-9a-f]{64}$/;

interface Principal {
  /** The form stored in thing_principals.principal. */
  canonical: string;
  /** The certificate id of a certificate ARN of the caller's account and region. */
  certificateId?: string;
  /** A certificate ARN of another account or region: it never exists here (docs/decisions.md#w2). */
  foreign?: boolean;
}

function parsePrincipal(ctx: RequestContext, raw: string): Principal {
  if (COGNITO_IDENTITY.test(raw)) return { canonical: raw };
  const m = CERT_ARN.exec(raw);
  if (!m) throw invalidRequest(`Principal ${raw} is not a certificate ARN or an Amazon Cognito identity id (<region>:<uuid>)`);
  if (m[1] !== ctx.region || m[2] !== ctx.accountId) return { canonical: raw, foreign: true };
  const id = m[3]!.toLowerCase();
  return { canonical: iotArn(ctx, 'cert', id), certificateId: id };
}

/** Certificate principals must exist in the caller's account and region; Cognito identities are not checked. */
async function requirePrincipal(ctx: RequestContext, raw: string): Promise<Principal> {
  const p = parsePrincipal(ctx, raw);
  if (p.foreign) throw notFound(`Certificate ${raw} does not exist in account ${ctx.accountId}, region ${ctx.region}`);
  if (p.certificateId !== undefined && !(CERTIFICATE_ID.test(p.certificateId) && (await findCertificate(ctx, p.certificateId))))
    throw notFound(`Certificate ${raw} does not exist`);
  return p;
}

async function attachmentsOf(ctx: RequestContext, principal: string) {
  return scoped(ctx)
    .selectFrom('thing_principals')
    .select(['thing_name', 'principal_type'])
    .where('principal', '=', principal)
    .orderBy('thing_name')
    .execute();
}

async function attachThingPrincipal(
  input: AttachThingPrincipalInput,
  ctx: RequestContext,
): Promise<AttachThingPrincipalOutput> {
  parsePrincipal(ctx, input.principal); // a malformed principal is a request error before anything is looked up
  const thing = await requireThing(ctx, input.thingName);
  const p = await requirePrincipal(ctx, input.principal);
  const type: string = input.thingPrincipalType ?? NON_EXCLUSIVE;
  const others = (await attachmentsOf(ctx, p.canonical)).filter((a) => a.thing_name !== thing.thing_name);
  const exclusiveElsewhere = others.find((a) => a.principal_type === EXCLUSIVE);
  if (exclusiveElsewhere)
    throw invalidRequest(
      `Principal ${input.principal} is attached exclusively to thing ${exclusiveElsewhere.thing_name}; it cannot be attached to another thing`,
    );
  if (type === EXCLUSIVE && others.length > 0)
    throw invalidRequest(
      `Principal ${input.principal} is already attached to thing ${others[0]!.thing_name}; an exclusive attachment needs a principal no other thing has`,
    );
  // Attaching again only updates the type.
  await ctx.db
    .insertInto('thing_principals')
    .values({ ...scope(ctx), thing_name: thing.thing_name, principal: p.canonical, principal_type: type, attached_at: ctx.now })
    .onConflict((oc) => oc.columns(['account_id', 'region', 'thing_name', 'principal']).doUpdateSet({ principal_type: type }))
    .execute();
  return {};
}

async function detachThingPrincipal(
  input: DetachThingPrincipalInput,
  ctx: RequestContext,
): Promise<DetachThingPrincipalOutput> {
  const p = parsePrincipal(ctx, input.principal);
  const thing = await requireThing(ctx, input.thingName);
  await scoped(ctx)
    .deleteFrom('thing_principals')
    .where('thing_name', '=', thing.thing_name)
    .where('principal', '=', p.canonical)
    .execute();
  return {};
}

/** One token-style page of a thing's principals, ordered by principal string. */
async function thingPrincipalPage(
  input: ListThingPrincipalsInput,
  ctx: RequestContext,
  op: string,
  type?: ThingPrincipalType,
) {
  const thing = await requireThing(ctx, input.thingName);
  const filters = { thingName: thing.thing_name, type: type ?? null };
  const pageSize: number = input.maxResults ?? DEFAULT_PAGE_SIZE;
  let q = scoped(ctx)
    .selectFrom('thing_principals')
    .select(['principal', 'principal_type'])
    .where('thing_name', '=', thing.thing_name)
    .orderBy('principal')
    .limit(pageSize + 1);
  if (type !== undefined) q = q.where('principal_type', '=', type);
  if (input.nextToken !== undefined) {
    const [after] = decodeToken(op, filters, input.nextToken);
    if (typeof after !== 'string') throw invalidRequest(`nextToken is invalid: it was not issued by ddlocal for ${op}`);
    q = q.where('principal', '>', after);
  }
  return pageOf(await q.execute(), pageSize, op, filters, (r) => [r.principal]);
}

async function listThingPrincipals(
  input: ListThingPrincipalsInput,
  ctx: RequestContext,
): Promise<ListThingPrincipalsOutput> {
  const page = await thingPrincipalPage(input, ctx, 'ListThingPrincipals');
  return { principals: page.items.map((r) => r.principal), nextToken: page.next };
}

async function listThingPrincipalsV2(
  input: ListThingPrincipalsV2Input,
  ctx: RequestContext,
): Promise<ListThingPrincipalsV2Output> {
  const page = await thingPrincipalPage(input, ctx, 'ListThingPrincipalsV2', input.thingPrincipalType);
  return {
    thingPrincipalObjects: page.items.map((r) => ({
      principal: r.principal,
      thingPrincipalType: r.principal_type as ThingPrincipalType,
    })),
    nextToken: page.next,
  };
}

/** One token-style page of the things a principal is attached to, ordered by thing name. */
async function principalThingPage(
  input: ListPrincipalThingsInput,
  ctx: RequestContext,
  op: string,
  type?: ThingPrincipalType,
) {
  const p = await requirePrincipal(ctx, input.principal);
  const filters = { principal: p.canonical, type: type ?? null };
  const pageSize: number = input.maxResults ?? DEFAULT_PAGE_SIZE;
  let q = scoped(ctx)
    .selectFrom('thing_principals')
    .select(['thing_name', 'principal_type'])
    .where('principal', '=', p.canonical)
    .orderBy('thing_name')
    .limit(pageSize + 1);
  if (type !== undefined) q = q.where('principal_type', '=', type);
  if (input.nextToken !== undefined) {
    const [after] = decodeToken(op, filters, input.nextToken);
    if (typeof after !== 'string') throw invalidRequest(`nextToken is invalid: it was not issued by ddlocal for ${op}`);
    q = q.where('thing_name', '>', after);
  }
  return pageOf(await q.execute(), pageSize, op, filters, (r) => [r.thing_name]);
}

async function listPrincipalThings(
  input: ListPrincipalThingsInput,
  ctx: RequestContext,
): Promise<ListPrincipalThingsOutput> {
  const page = await principalThingPage(input, ctx, 'ListPrincipalThings');
  return { things: page.items.map((r) => r.thing_name), nextToken: page.next };
}

async function listPrincipalThingsV2(
  input: ListPrincipalThingsV2Input,
  ctx: RequestContext,
): Promise<ListPrincipalThingsV2Output> {
  const page = await principalThingPage(input, ctx, 'ListPrincipalThingsV2', input.thingPrincipalType);
  return {
    principalThingObjects: page.items.map((r) => ({
      thingName: r.thing_name,
      thingPrincipalType: r.principal_type as ThingPrincipalType,
    })),
    nextToken: page.next,
  };
}

export const principalHandlers = {
  AttachThingPrincipal: attachThingPrincipal,
  DetachThingPrincipal: detachThingPrincipal,
  ListThingPrincipals: listThingPrincipals,
  ListThingPrincipalsV2: listThingPrincipalsV2,
  ListPrincipalThings: listPrincipalThings,
  ListPrincipalThingsV2: listPrincipalThingsV2,
} satisfies HandlerTable;
