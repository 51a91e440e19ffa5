// Role aliases: CreateRoleAlias, DescribeRoleAlias, UpdateRoleAlias, ListRoleAliases,
// DeleteRoleAlias. ddlocal issues no credentials through them; audits (checks 13 and 14) read them.
import type { HandlerTable, RequestContext } from './context.js';
import type {
  CreateRoleAliasInput,
  CreateRoleAliasOutput,
  DeleteRoleAliasInput,
  DeleteRoleAliasOutput,
  DescribeRoleAliasInput,
  DescribeRoleAliasOutput,
  ListRoleAliasesInput,
  ListRoleAliasesOutput,
  UpdateRoleAliasInput,
  UpdateRoleAliasOutput,
} from '../model/types.generated.js';
import { scope } from './context.js';
import type { RoleAliasRow } from '../store/schema.js';
import { iotArn } from '../kernel/arn.js';
import { alreadyExists, invalidRequest, limitExceeded, notFound } from '../kernel/errors.js';
import { DEFAULT_PAGE_SIZE, decodeToken, pageOf } from '../kernel/pagination.js';
import { deleteTags, putTags } from './tag-store.js';
import { scoped } from '../store/scoped.js';

/** At most 100 role aliases per account and region (docs/decisions.md#r16). */
const MAX_ROLE_ALIASES = 100;
/** The credential lifetime when CreateRoleAlias does not give one [AWS]. */
const DEFAULT_CREDENTIAL_DURATION_SECONDS = 3600;

export const roleAliasArn = (ctx: Pick<RequestContext, 'accountId' | 'region'>, roleAlias: string) =>
  iotArn(ctx, 'rolealias', roleAlias);

async function findRoleAlias(ctx: RequestContext, roleAlias: string): Promise<RoleAliasRow | undefined> {
  return scoped(ctx)
    .selectFrom('role_aliases')
    .selectAll()
    .where('role_alias', '=', roleAlias)
    .executeTakeFirst();
}

async function requireRoleAlias(ctx: RequestContext, roleAlias: string): Promise<RoleAliasRow> {
  const row = await findRoleAlias(ctx, roleAlias);
  if (!row) throw notFound(`Role alias ${roleAlias} does not exist`);
  return row;
}

async function countRoleAliases(ctx: RequestContext): Promise<number> {
  const row = await scoped(ctx)
    .selectFrom('role_aliases')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function createRoleAlias(input: CreateRoleAliasInput, ctx: RequestContext): Promise<CreateRoleAliasOutput> {
  const name: string = input.roleAlias;
  const arn = roleAliasArn(ctx, name);
  if (await findRoleAlias(ctx, name)) throw alreadyExists(`Role alias ${name} already exists`, name, arn);
  const count = await countRoleAliases(ctx);
  if (count >= MAX_ROLE_ALIASES)
    throw limitExceeded(
      `Role alias ${name} cannot be created: account ${ctx.accountId} already has ${count} role aliases in ${ctx.region}, the maximum`,
    );
  await ctx.db
    .insertInto('role_aliases')
    .values({
      ...scope(ctx),
      role_alias: name,
      role_arn: input.roleArn,
      credential_duration_seconds: input.credentialDurationSeconds ?? DEFAULT_CREDENTIAL_DURATION_SECONDS,
      created_at: ctx.now,
      updated_at: ctx.now,
    })
    .execute();
  // Same transaction: a tag error (reserved key, too many tags) leaves no role alias behind.
  await putTags(ctx, arn, input.tags);
  return { roleAlias: name, roleAliasArn: arn };
}

async function describeRoleAlias(input: DescribeRoleAliasInput, ctx: RequestContext): Promise<DescribeRoleAliasOutput> {
  const row = await requireRoleAlias(ctx, input.roleAlias);
  return {
    roleAliasDescription: {
      roleAlias: row.role_alias,
      roleAliasArn: roleAliasArn(ctx, row.role_alias),
      roleArn: row.role_arn,
      owner: ctx.accountId,
      credentialDurationSeconds: row.credential_duration_seconds,
      creationDate: row.created_at,
      lastModifiedDate: row.updated_at,
    },
  };
}

async function updateRoleAlias(input: UpdateRoleAliasInput, ctx: RequestContext): Promise<UpdateRoleAliasOutput> {
  const row = await requireRoleAlias(ctx, input.roleAlias);
  // Omitted members keep their value.
  await scoped(ctx)
    .updateTable('role_aliases')
    .set({
      role_arn: input.roleArn ?? row.role_arn,
      credential_duration_seconds: input.credentialDurationSeconds ?? row.credential_duration_seconds,
      updated_at: ctx.now,
    })
    .where('role_alias', '=', row.role_alias)
    .execute();
  return { roleAlias: row.role_alias, roleAliasArn: roleAliasArn(ctx, row.role_alias) };
}

/**
 * Marker style, alphabetical (code-point order on both stores): ascending unless `ascendingOrder=false`, as AWS
 * documents the parameter ("in ascending alphabetical order") and answers (docs/decisions.md#r14).
 */
async function listRoleAliases(input: ListRoleAliasesInput, ctx: RequestContext): Promise<ListRoleAliasesOutput> {
  const ascending = input.ascendingOrder !== false;
  const filters = { ascending };
  const pageSize: number = input.pageSize ?? DEFAULT_PAGE_SIZE;
  let q = scoped(ctx)
    .selectFrom('role_aliases')
    .select('role_alias')
    .orderBy('role_alias', ascending ? 'asc' : 'desc')
    .limit(pageSize + 1);
  const after = nameCursor(filters, input.marker);
  if (after !== undefined) q = q.where('role_alias', ascending ? '>' : '<', after);
  const page = pageOf(await q.execute(), pageSize, 'ListRoleAliases', filters, (r) => [r.role_alias]);
  return { roleAliases: page.items.map((r) => r.role_alias), nextMarker: page.next };
}

/** The last role alias of the previous page, or undefined on the first; a foreign or forged marker is refused. */
function nameCursor(filters: unknown, marker: string | undefined): string | undefined {
  if (marker === undefined) return undefined;
  const [name] = decodeToken('ListRoleAliases', filters, marker, 'marker');
  if (typeof name !== 'string') throw invalidRequest('marker is invalid: it was not issued by ddlocal for ListRoleAliases');
  return name;
}

async function deleteRoleAlias(input: DeleteRoleAliasInput, ctx: RequestContext): Promise<DeleteRoleAliasOutput> {
  const row = await requireRoleAlias(ctx, input.roleAlias);
  await scoped(ctx)
    .deleteFrom('role_aliases')
    .where('role_alias', '=', row.role_alias)
    .execute();
  await deleteTags(ctx, roleAliasArn(ctx, row.role_alias));
  return {};
}

export const roleAliasHandlers = {
  CreateRoleAlias: createRoleAlias,
  DescribeRoleAlias: describeRoleAlias,
  UpdateRoleAlias: updateRoleAlias,
  ListRoleAliases: listRoleAliases,
  DeleteRoleAlias: deleteRoleAlias,
} satisfies HandlerTable;
