// IoT policies and their versions: CreatePolicy, GetPolicy, ListPolicies, DeletePolicy,
// CreatePolicyVersion, GetPolicyVersion, ListPolicyVersions, SetDefaultPolicyVersion, DeletePolicyVersion.
// Version ids are integers in the store and strings on the wire; they come from policies.last_version_id so an id
// is never handed out twice, even after its version was deleted.
import { randomUUID } from 'node:crypto';
import type { HandlerTable, RequestContext } from './context.js';
import type {
  CreatePolicyInput,
  CreatePolicyOutput,
  CreatePolicyVersionInput,
  CreatePolicyVersionOutput,
  DeletePolicyInput,
  DeletePolicyOutput,
  DeletePolicyVersionInput,
  DeletePolicyVersionOutput,
  GetPolicyInput,
  GetPolicyOutput,
  GetPolicyVersionInput,
  GetPolicyVersionOutput,
  ListPoliciesInput,
  ListPoliciesOutput,
  ListPolicyVersionsInput,
  ListPolicyVersionsOutput,
  SetDefaultPolicyVersionInput,
  SetDefaultPolicyVersionOutput,
} from '../model/types.generated.js';
import { scope } from './context.js';
import type { PolicyRow, PolicyVersionRow } from '../store/schema.js';
import { iotArn } from '../kernel/arn.js';
import { alreadyExists, deleteConflict, notFound } from '../kernel/errors.js';
import { modeledError } from '../model/modeled-error.js';
import { DEFAULT_PAGE_SIZE, pageOf } from '../kernel/pagination.js';
import { validatePolicyDocument } from './policy-document.js';
import { deleteTags, putTags } from './tag-store.js';
import { afterCreationCursor, creationCursor } from './creation-order.js';
import { scoped } from '../store/scoped.js';

const MAX_POLICY_VERSIONS = 5;

export const policyArn = (ctx: RequestContext, policyName: string) => iotArn(ctx, 'policy', policyName);

export async function findPolicy(ctx: RequestContext, policyName: string): Promise<PolicyRow | undefined> {
  return scoped(ctx)
    .selectFrom('policies')
    .selectAll()
    .where('policy_name', '=', policyName)
    .executeTakeFirst();
}

export async function requirePolicy(ctx: RequestContext, policyName: string): Promise<PolicyRow> {
  const policy = await findPolicy(ctx, policyName);
  if (!policy) throw notFound(`Policy ${policyName} does not exist`);
  return policy;
}

/** Wire version ids are digit strings; only the canonical form of a stored integer names a version. */
function parseVersionId(policyName: string, versionId: string): number {
  if (!/^(0|[1-9][0-9]{0,8})$/.test(versionId)) throw versionNotFound(policyName, versionId);
  return Number(versionId);
}

const versionNotFound = (policyName: string, versionId: string | number) =>
  notFound(`Policy ${policyName} has no version ${versionId}`);

async function findVersion(ctx: RequestContext, policyName: string, versionId: number): Promise<PolicyVersionRow | undefined> {
  return scoped(ctx)
    .selectFrom('policy_versions')
    .selectAll()
    .where('policy_name', '=', policyName)
    .where('version_id', '=', versionId)
    .executeTakeFirst();
}

async function requireVersion(ctx: RequestContext, policyName: string, versionIdText: string): Promise<PolicyVersionRow> {
  const version = await findVersion(ctx, policyName, parseVersionId(policyName, versionIdText));
  if (!version) throw versionNotFound(policyName, versionIdText);
  return version;
}

/** Every change of a policy gets a new generationId and lastModifiedDate. */
async function touchPolicy(ctx: RequestContext, policyName: string, changes: Partial<Pick<PolicyRow, 'default_version_id' | 'last_version_id'>> = {}) {
  await scoped(ctx)
    .updateTable('policies')
    .set({ ...changes, generation_id: randomUUID(), updated_at: ctx.now })
    .where('policy_name', '=', policyName)
    .execute();
}

async function insertVersion(ctx: RequestContext, policyName: string, versionId: number, document: string) {
  await ctx.db
    .insertInto('policy_versions')
    .values({ ...scope(ctx), policy_name: policyName, version_id: versionId, policy_document: document, created_at: ctx.now })
    .execute();
}

async function countVersions(ctx: RequestContext, policyName: string): Promise<number> {
  const row = await scoped(ctx)
    .selectFrom('policy_versions')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('policy_name', '=', policyName)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface NewPolicyVersion {
  policyArn: string;
  policyDocument: string;
  policyVersionId: string;
  isDefaultVersion: boolean;
}

/**
 * Adds a version to an existing policy, optionally making it the default. Shared by CreatePolicyVersion and the
 * REPLACE_DEFAULT_POLICY_VERSION mitigation action, so both enforce the same document rules and version limit.
 */
export async function createPolicyVersion(
  ctx: RequestContext,
  policyName: string,
  document: string,
  setAsDefault: boolean,
): Promise<NewPolicyVersion> {
  const policy = await requirePolicy(ctx, policyName);
  validatePolicyDocument(document);
  const count = await countVersions(ctx, policyName);
  if (count >= MAX_POLICY_VERSIONS)
    throw modeledError(
      'VersionsLimitExceededException',
      `Policy ${policyName} already has ${count} versions, the maximum; delete a non-default version first`,
    );
  const versionId = policy.last_version_id + 1;
  await insertVersion(ctx, policyName, versionId, document);
  await touchPolicy(ctx, policyName, {
    last_version_id: versionId,
    ...(setAsDefault ? { default_version_id: versionId } : {}),
  });
  return { policyArn: policyArn(ctx, policyName), policyDocument: document, policyVersionId: String(versionId), isDefaultVersion: setAsDefault };
}

/** Makes an existing version the default; also used to restore a default version (mitigation undo). */
export async function setDefaultPolicyVersion(ctx: RequestContext, policyName: string, versionId: number): Promise<void> {
  await requirePolicy(ctx, policyName);
  if (!(await findVersion(ctx, policyName, versionId))) throw versionNotFound(policyName, versionId);
  await touchPolicy(ctx, policyName, { default_version_id: versionId });
}

async function createPolicy(input: CreatePolicyInput, ctx: RequestContext): Promise<CreatePolicyOutput> {
  const policyName: string = input.policyName;
  const document: string = input.policyDocument;
  const arn = policyArn(ctx, policyName);
  // AWS's own wording, which scripts and moto-based tests match on [AWS].
  if (await findPolicy(ctx, policyName))
    throw alreadyExists(`Policy cannot be created - name already exists (name=${policyName})`, policyName, arn);
  validatePolicyDocument(document);
  await ctx.db
    .insertInto('policies')
    .values({
      ...scope(ctx),
      policy_name: policyName,
      default_version_id: 1,
      last_version_id: 1,
      generation_id: randomUUID(),
      created_at: ctx.now,
      updated_at: ctx.now,
    })
    .execute();
  await insertVersion(ctx, policyName, 1, document);
  await putTags(ctx, arn, input.tags);
  return { policyName, policyArn: arn, policyDocument: document, policyVersionId: '1' };
}

async function getPolicy(input: GetPolicyInput, ctx: RequestContext): Promise<GetPolicyOutput> {
  const policy = await requirePolicy(ctx, input.policyName);
  const version = await findVersion(ctx, policy.policy_name, policy.default_version_id);
  return {
    policyName: policy.policy_name,
    policyArn: policyArn(ctx, policy.policy_name),
    policyDocument: version?.policy_document,
    defaultVersionId: String(policy.default_version_id),
    creationDate: policy.created_at,
    lastModifiedDate: policy.updated_at,
    generationId: policy.generation_id,
  };
}

/** Marker-style list in creation order, newest first unless ascending (docs/decisions.md#r14); ties broken by name. */
async function listPolicies(input: ListPoliciesInput, ctx: RequestContext): Promise<ListPoliciesOutput> {
  const ascending = input.ascendingOrder === true;
  const filters = { ascending };
  const pageSize: number = input.pageSize ?? DEFAULT_PAGE_SIZE;
  const dir = ascending ? 'asc' : 'desc';
  let q = scoped(ctx)
    .selectFrom('policies')
    .select(['policy_name', 'created_at'])
    .orderBy('created_at', dir)
    .orderBy('policy_name', dir)
    .limit(pageSize + 1);
  const cursor = creationCursor('ListPolicies', filters, input.marker);
  if (cursor) q = q.where(afterCreationCursor(cursor, 'policy_name', ascending));
  const page = pageOf(await q.execute(), pageSize, 'ListPolicies', filters, (r) => [r.created_at, r.policy_name]);
  return {
    policies: page.items.map((r) => ({ policyName: r.policy_name, policyArn: policyArn(ctx, r.policy_name) })),
    nextMarker: page.next,
  };
}

async function deletePolicy(input: DeletePolicyInput, ctx: RequestContext): Promise<DeletePolicyOutput> {
  const policy = await requirePolicy(ctx, input.policyName);
  const name = policy.policy_name;
  // Attachments are checked before versions, and the message is AWS's own wording [AWS].
  const attached = await scoped(ctx)
    .selectFrom('policy_targets')
    .select('target')
    .where('policy_name', '=', name)
    .executeTakeFirst();
  if (attached)
    throw deleteConflict(`The policy cannot be deleted as the policy is attached to one or more principals (name=${name})`);
  const count = await countVersions(ctx, name);
  if (count > 1)
    throw deleteConflict(`Policy ${name} has ${count - 1} non-default version(s); delete them before deleting the policy`);
  for (const table of ['policy_versions', 'policies'] as const)
    await ctx.db
      .deleteFrom(table)
      .where('account_id', '=', ctx.accountId)
      .where('region', '=', ctx.region)
      .where('policy_name', '=', name)
      .execute();
  await deleteTags(ctx, policyArn(ctx, name));
  return {};
}

async function createPolicyVersionHandler(
  input: CreatePolicyVersionInput,
  ctx: RequestContext,
): Promise<CreatePolicyVersionOutput> {
  return { ...(await createPolicyVersion(ctx, input.policyName, input.policyDocument, input.setAsDefault === true)) };
}

async function getPolicyVersion(input: GetPolicyVersionInput, ctx: RequestContext): Promise<GetPolicyVersionOutput> {
  const policy = await requirePolicy(ctx, input.policyName);
  const version = await requireVersion(ctx, policy.policy_name, input.policyVersionId);
  return {
    policyArn: policyArn(ctx, policy.policy_name),
    policyName: policy.policy_name,
    policyDocument: version.policy_document,
    policyVersionId: String(version.version_id),
    isDefaultVersion: version.version_id === policy.default_version_id,
    creationDate: version.created_at,
    // A version's document never changes; what changes is the policy around it (e.g. which version is default).
    lastModifiedDate: policy.updated_at,
    generationId: policy.generation_id,
  };
}

async function listPolicyVersions(
  input: ListPolicyVersionsInput,
  ctx: RequestContext,
): Promise<ListPolicyVersionsOutput> {
  const policy = await requirePolicy(ctx, input.policyName);
  const rows = await scoped(ctx)
    .selectFrom('policy_versions')
    .select(['version_id', 'created_at'])
    .where('policy_name', '=', policy.policy_name)
    .orderBy('version_id', 'desc')
    .execute();
  return {
    policyVersions: rows.map((r) => ({
      versionId: String(r.version_id),
      isDefaultVersion: r.version_id === policy.default_version_id,
      createDate: r.created_at,
    })),
  };
}

async function setDefaultPolicyVersionHandler(
  input: SetDefaultPolicyVersionInput,
  ctx: RequestContext,
): Promise<SetDefaultPolicyVersionOutput> {
  await requirePolicy(ctx, input.policyName);
  await setDefaultPolicyVersion(ctx, input.policyName, parseVersionId(input.policyName, input.policyVersionId));
  return {};
}

/** Deletes a version that is not the policy's default (DeletePolicyVersion's rule), as the handler and undo do. */
export async function deletePolicyVersion(ctx: RequestContext, policyName: string, policyVersionId: string): Promise<void> {
  const policy = await requirePolicy(ctx, policyName);
  const version = await requireVersion(ctx, policy.policy_name, policyVersionId);
  if (version.version_id === policy.default_version_id)
    throw deleteConflict(
      `Version ${version.version_id} is the default version of policy ${policy.policy_name}; set another default first or delete the policy`,
    );
  await scoped(ctx)
    .deleteFrom('policy_versions')
    .where('policy_name', '=', policy.policy_name)
    .where('version_id', '=', version.version_id)
    .execute();
  await touchPolicy(ctx, policy.policy_name);
}

async function deletePolicyVersionHandler(
  input: DeletePolicyVersionInput,
  ctx: RequestContext,
): Promise<DeletePolicyVersionOutput> {
  await deletePolicyVersion(ctx, input.policyName, input.policyVersionId);
  return {};
}

export const policyHandlers = {
  CreatePolicy: createPolicy,
  GetPolicy: getPolicy,
  ListPolicies: listPolicies,
  DeletePolicy: deletePolicy,
  CreatePolicyVersion: createPolicyVersionHandler,
  GetPolicyVersion: getPolicyVersion,
  ListPolicyVersions: listPolicyVersions,
  SetDefaultPolicyVersion: setDefaultPolicyVersionHandler,
  DeletePolicyVersion: deletePolicyVersionHandler,
} satisfies HandlerTable;
