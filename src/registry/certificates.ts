// Device certificates: CreateKeysAndCertificate, CreateCertificateFromCsr, RegisterCertificate,
// RegisterCertificateWithoutCA, DescribeCertificate, UpdateCertificate, ListCertificates, ListCertificatesByCA,
// DeleteCertificate. Certificate ids are stored lower case; ids in input are compared case-insensitively.
import { randomUUID } from 'node:crypto';
import type { HandlerTable, RequestContext } from './context.js';
import type {
  CertificateMode,
  CertificateStatus,
  CreateCertificateFromCsrInput,
  CreateCertificateFromCsrOutput,
  CreateKeysAndCertificateInput,
  CreateKeysAndCertificateOutput,
  DeleteCertificateInput,
  DeleteCertificateOutput,
  DescribeCertificateInput,
  DescribeCertificateOutput,
  ListCertificatesByCAInput,
  ListCertificatesByCAOutput,
  ListCertificatesInput,
  ListCertificatesOutput,
  RegisterCertificateInput,
  RegisterCertificateOutput,
  RegisterCertificateWithoutCAInput,
  RegisterCertificateWithoutCAOutput,
  UpdateCertificateInput,
  UpdateCertificateOutput,
} from '../model/types.generated.js';
import { atReadCommitted, scope } from './context.js';
import type { CaCertificateRow, CertificateRow } from '../store/schema.js';
import { iotArn } from '../kernel/arn.js';
import { alreadyExists, deleteConflict, invalidRequest, notFound, type ApiError } from '../kernel/errors.js';
import { updateRows } from '../store/update-rows.js';
import { modeledError } from '../model/modeled-error.js';
import { DEFAULT_PAGE_SIZE, pageOf } from '../kernel/pagination.js';
import { certificateValidation, isSignedBy, parseAcceptableCertificate, parseCertificate, type ParsedCertificate } from './x509.js';
import { issueFromCsr, issueWithNewKeyPair } from './issuing-ca.js';
import { attachedPolicyNames, detachAllPolicies } from './policy-attachments.js';
import { afterCreationCursor, creationCursor } from './creation-order.js';
import { scoped } from '../store/scoped.js';

/** The statuses a user may give a certificate; the others belong to AWS-internal flows (docs/decisions.md#r4, #r5). */
const USER_STATUSES = ['ACTIVE', 'INACTIVE', 'REVOKED'];

export const certificateArn = (ctx: RequestContext, certificateId: string) => iotArn(ctx, 'cert', certificateId.toLowerCase());

const certificateState = (message: string) => modeledError('CertificateStateException', message);

export async function findCertificate(ctx: RequestContext, certificateId: string): Promise<CertificateRow | undefined> {
  return scoped(ctx)
    .selectFrom('certificates')
    .selectAll()
    .where('certificate_id', '=', certificateId.toLowerCase())
    .executeTakeFirst();
}

async function requireCertificate(ctx: RequestContext, certificateId: string): Promise<CertificateRow> {
  const cert = await findCertificate(ctx, certificateId);
  if (!cert) throw notFound(`Certificate ${certificateId.toLowerCase()} does not exist`);
  return cert;
}

interface NewCertificate {
  status: string;
  mode: 'DEFAULT' | 'SNI_ONLY';
  caCertificateId: string | null;
}

/** Stores a parsed certificate; the same certificate (same id) twice → ResourceAlreadyExistsException. */
async function insertCertificate(ctx: RequestContext, cert: ParsedCertificate, options: NewCertificate) {
  const arn = certificateArn(ctx, cert.id);
  if (await findCertificate(ctx, cert.id)) throw alreadyExists(`Certificate ${cert.id} is already registered`, cert.id, arn);
  await ctx.db
    .insertInto('certificates')
    .values({
      ...scope(ctx),
      ...cert.facts,
      certificate_id: cert.id,
      ca_certificate_id: options.caCertificateId,
      status: options.status,
      certificate_mode: options.mode,
      customer_version: 1,
      generation_id: randomUUID(),
      created_at: ctx.now,
      updated_at: ctx.now,
    })
    .execute();
  return { certificateArn: arn, certificateId: cert.id };
}

async function createKeysAndCertificate(
  input: CreateKeysAndCertificateInput,
  ctx: RequestContext,
): Promise<CreateKeysAndCertificateOutput> {
  const issued = await issueWithNewKeyPair(ctx);
  const cert = parseAcceptableCertificate(issued.certificatePem, 'the issued certificate');
  const ids = await insertCertificate(ctx, cert, { status: input.setAsActive === true ? 'ACTIVE' : 'INACTIVE', mode: 'DEFAULT', caCertificateId: null });
  return {
    ...ids,
    certificatePem: cert.pem,
    keyPair: { PublicKey: issued.publicKeyPem, PrivateKey: issued.privateKeyPem },
  };
}

async function createCertificateFromCsr(
  input: CreateCertificateFromCsrInput,
  ctx: RequestContext,
): Promise<CreateCertificateFromCsrOutput> {
  const pem = await issueFromCsr(ctx, input.certificateSigningRequest);
  const cert = parseAcceptableCertificate(pem, 'the issued certificate');
  const ids = await insertCertificate(ctx, cert, { status: input.setAsActive === true ? 'ACTIVE' : 'INACTIVE', mode: 'DEFAULT', caCertificateId: null });
  return { ...ids, certificatePem: cert.pem };
}

/**
 * The status a registration asks for: `status`, else ACTIVE for the deprecated setAsActive=true, else INACTIVE.
 * An explicit setAsActive that says otherwise than `status` is refused rather than silently overruled.
 */
function registrationStatus(input: { status?: CertificateStatus; setAsActive?: boolean }): string {
  const status = input.status;
  if (status !== undefined && !USER_STATUSES.includes(status))
    throw invalidRequest(`Status ${status} cannot be requested at registration; use ACTIVE, INACTIVE or REVOKED`);
  const flag = input.setAsActive;
  if (status !== undefined && flag !== undefined && flag !== (status === 'ACTIVE'))
    throw invalidRequest(`setAsActive=${flag} contradicts status ${status}; give only status`);
  return status ?? (flag === true ? 'ACTIVE' : 'INACTIVE');
}

function requireActiveCa(ca: CaCertificateRow, deviceId: string): CaCertificateRow {
  if (ca.status !== 'ACTIVE')
    throw certificateState(`CA certificate ${ca.certificate_id}, which issued certificate ${deviceId}, is ${ca.status}; activate it before registering its certificates`);
  return ca;
}

/**
 * The registered CA named by caCertificatePem, which must have signed the device certificate (docs/decisions.md#r4).
 */
async function namedCa(ctx: RequestContext, device: ParsedCertificate, caPem: string): Promise<CaCertificateRow> {
  const ca = parseCertificate(caPem, 'caCertificatePem');
  // Locked until the registration commits: a concurrent deactivation waits for it, or is seen by it.
  const row = await scoped(ctx)
    .selectFrom('ca_certificates')
    .selectAll()
    .where('certificate_id', '=', ca.id)
    .forShare()
    .executeTakeFirst();
  if (!row) throw certificateValidation(`The CA certificate in caCertificatePem (${ca.id}) is not registered in this account and region`);
  if (device.facts.issuer !== ca.facts.subject || !isSignedBy(device, ca))
    throw certificateValidation(`Certificate ${device.id} was not issued by CA certificate ${ca.id}`);
  return requireActiveCa(row, device.id);
}

/** Finds the issuing CA among the account's CA certificates by issuer name and signature (docs/decisions.md#r4). */
async function issuingCaOf(ctx: RequestContext, device: ParsedCertificate): Promise<CaCertificateRow> {
  const sameName = await scoped(ctx)
    .selectFrom('ca_certificates')
    .selectAll()
    .where('subject', '=', device.facts.issuer)
    .orderBy('certificate_id')
    .forShare()
    .execute();
  const signers = sameName.filter((row) => isSignedBy(device, parseCertificate(row.certificate_pem, 'a stored CA certificate')));
  if (signers.length === 0)
    throw certificateValidation(`No CA certificate registered in this account and region issued certificate ${device.id} (issuer ${device.facts.issuer})`);
  if (signers.length > 1)
    throw modeledError(
      'CertificateConflictException',
      `Certificate ${device.id} could have been issued by ${signers.length} registered CA certificates (${signers.map((s) => s.certificate_id).join(', ')}); name one with caCertificatePem`,
    );
  return requireActiveCa(signers[0]!, device.id);
}

async function registerCertificate(
  input: RegisterCertificateInput,
  ctx: RequestContext,
): Promise<RegisterCertificateOutput> {
  const status = registrationStatus(input);
  const device = parseAcceptableCertificate(input.certificatePem, 'certificatePem');
  if (await findCertificate(ctx, device.id))
    throw alreadyExists(`Certificate ${device.id} is already registered`, device.id, certificateArn(ctx, device.id));
  const ca = input.caCertificatePem !== undefined ? await namedCa(ctx, device, input.caCertificatePem) : await issuingCaOf(ctx, device);
  return insertCertificate(ctx, device, { status, mode: ca.certificate_mode as NewCertificate['mode'], caCertificateId: ca.certificate_id });
}

async function registerCertificateWithoutCA(
  input: RegisterCertificateWithoutCAInput,
  ctx: RequestContext,
): Promise<RegisterCertificateWithoutCAOutput> {
  const status = registrationStatus(input);
  const device = parseAcceptableCertificate(input.certificatePem, 'certificatePem');
  return insertCertificate(ctx, device, { status, mode: 'SNI_ONLY', caCertificateId: null });
}

async function describeCertificate(
  input: DescribeCertificateInput,
  ctx: RequestContext,
): Promise<DescribeCertificateOutput> {
  const c = await requireCertificate(ctx, input.certificateId);
  return {
    certificateDescription: {
      certificateArn: certificateArn(ctx, c.certificate_id),
      certificateId: c.certificate_id,
      caCertificateId: c.ca_certificate_id ?? undefined,
      status: c.status as CertificateStatus,
      certificatePem: c.certificate_pem,
      ownedBy: ctx.accountId,
      creationDate: c.created_at,
      lastModifiedDate: c.updated_at,
      customerVersion: c.customer_version,
      generationId: c.generation_id,
      validity: { notBefore: c.not_before, notAfter: c.not_after },
      certificateMode: c.certificate_mode as CertificateMode,
    },
  };
}

/** Statuses AWS reserves for its own flows (transfer, auto-registration) (docs/decisions.md#r5). */
const RESERVED_STATUSES = ['PENDING_TRANSFER', 'PENDING_ACTIVATION', 'REGISTER_INACTIVE'];

/** What status rules and status changes read of a certificate. */
export type CertificateStatusRow = Pick<CertificateRow, 'certificate_id' | 'status' | 'customer_version'>;

const reservedStatus = (status: string) =>
  invalidRequest(`Certificate status ${status} cannot be set with UpdateCertificate; use ACTIVE, INACTIVE or REVOKED`);

/**
 * UpdateCertificate's rules for moving certificate `c` to `newStatus`: the refusal, or undefined when the change is
 * allowed (also when it changes nothing).
 */
export function certificateStatusRefusal(c: CertificateStatusRow, newStatus: string): ApiError | undefined {
  if (RESERVED_STATUSES.includes(newStatus)) return reservedStatus(newStatus);
  if (c.status === newStatus) return undefined;
  if (c.status === 'REVOKED') return certificateState(`Certificate ${c.certificate_id} is REVOKED; revocation is final`);
  // A pending transfer is settled by the transfer operations, which ddlocal does not implement.
  if (c.status === 'PENDING_TRANSFER')
    return certificateState(`Certificate ${c.certificate_id} is PENDING_TRANSFER; its status cannot change while a transfer is pending`);
  return undefined;
}

/**
 * Changes a certificate's status under the registry's rules: REVOKED is final, PENDING_TRANSFER is frozen, and every
 * real change bumps the certificate's version. UpdateCertificate, mitigation actions and undo all go through here
 * (the batched mitigation engine through certificateStatusRefusal and setCertificateStatuses, the same rules).
 */
export async function setCertificateStatus(ctx: RequestContext, certificateId: string, newStatus: string): Promise<void> {
  if (RESERVED_STATUSES.includes(newStatus)) throw reservedStatus(newStatus); // before the certificate's existence
  const c = await requireCertificate(ctx, certificateId);
  const refused = certificateStatusRefusal(c, newStatus);
  if (refused) throw refused;
  if (c.status === newStatus) return; // idempotent: nothing changes, so no new version either
  await scoped(ctx)
    .updateTable('certificates')
    .set({ status: newStatus, updated_at: ctx.now, customer_version: c.customer_version + 1, generation_id: randomUUID() })
    .where('certificate_id', '=', c.certificate_id)
    .execute();
}

/**
 * The certificates with these (lower-case) ids that exist, locked against concurrent change until the transaction
 * ends (row locks on PostgreSQL; SQLite has one writer): batched work checks certificateStatusRefusal on them and then
 * writes with setCertificateStatuses, which is then safe even at READ COMMITTED.
 */
export async function lockCertificates(ctx: RequestContext, certificateIds: readonly string[]): Promise<Map<string, CertificateStatusRow>> {
  const found = new Map<string, CertificateStatusRow>();
  for (let i = 0; i < certificateIds.length; i += 1000) {
    const chunk = certificateIds.slice(i, i + 1000);
    const rows = await scoped(ctx)
      .selectFrom('certificates')
      .select(['certificate_id', 'status', 'customer_version'])
      .where('certificate_id', 'in', chunk)
      .forUpdate()
      .execute();
    for (const row of rows) found.set(row.certificate_id, row);
  }
  return found;
}

/**
 * Sets each certificate's status as UpdateCertificate does (next version, new generation id) in one statement per
 * thousand certificates. `certificate` is the row as lockCertificates read it, and its status changes: the caller
 * has checked certificateStatusRefusal.
 */
export async function setCertificateStatuses(
  ctx: RequestContext,
  changes: readonly { certificate: CertificateStatusRow; newStatus: string }[],
): Promise<void> {
  await updateRows(
    ctx.db,
    {
      table: 'certificates',
      accountId: ctx.accountId,
      region: ctx.region,
      keys: ['certificate_id'],
      columns: ['status', 'updated_at', 'customer_version', 'generation_id'],
      casts: { updated_at: 'bigint', customer_version: 'bigint' },
    },
    changes.map(({ certificate, newStatus }) => ({
      certificate_id: certificate.certificate_id,
      status: newStatus,
      updated_at: ctx.now,
      customer_version: certificate.customer_version + 1,
      generation_id: randomUUID(),
    })),
  );
}

async function updateCertificate(input: UpdateCertificateInput, ctx: RequestContext): Promise<UpdateCertificateOutput> {
  await setCertificateStatus(ctx, input.certificateId, input.newStatus);
  return {};
}

/**
 * Marker-style page of certificates in creation order (docs/decisions.md#r14), optionally restricted to one CA's
 * certificates.
 */
async function certificatePage(
  input: ListCertificatesInput,
  ctx: RequestContext,
  op: string,
  caCertificateId?: string,
): Promise<ListCertificatesOutput> {
  const ascending = input.ascendingOrder === true;
  const filters = caCertificateId === undefined ? { ascending } : { ascending, caCertificateId };
  const pageSize = input.pageSize ?? DEFAULT_PAGE_SIZE;
  const dir = ascending ? 'asc' : 'desc';
  let q = scoped(ctx)
    .selectFrom('certificates')
    .select(['certificate_id', 'status', 'certificate_mode', 'created_at'])
    .orderBy('created_at', dir)
    .orderBy('certificate_id', dir) // unique tie-breaker: several certificates share a creation millisecond
    .limit(pageSize + 1);
  if (caCertificateId !== undefined) q = q.where('ca_certificate_id', '=', caCertificateId);
  const cursor = creationCursor(op, filters, input.marker);
  if (cursor) q = q.where(afterCreationCursor(cursor, 'certificate_id', ascending));
  const page = pageOf(await q.execute(), pageSize, op, filters, (r) => [r.created_at, r.certificate_id]);
  return {
    certificates: page.items.map((r) => ({
      certificateArn: certificateArn(ctx, r.certificate_id),
      certificateId: r.certificate_id,
      status: r.status as CertificateStatus,
      certificateMode: r.certificate_mode as CertificateMode,
      creationDate: r.created_at,
    })),
    nextMarker: page.next,
  };
}

const listCertificates = (
  input: ListCertificatesInput,
  ctx: RequestContext,
): Promise<ListCertificatesOutput> => certificatePage(input, ctx, 'ListCertificates');

// An unknown CA id simply has no certificates: the model gives this operation no ResourceNotFoundException.
const listCertificatesByCA = (
  input: ListCertificatesByCAInput,
  ctx: RequestContext,
): Promise<ListCertificatesByCAOutput> =>
  certificatePage(input, ctx, 'ListCertificatesByCA', input.caCertificateId.toLowerCase());

async function deleteCertificate(input: DeleteCertificateInput, ctx: RequestContext): Promise<DeleteCertificateOutput> {
  const c = await requireCertificate(ctx, input.certificateId);
  const id = c.certificate_id;
  if (c.status === 'ACTIVE' || c.status === 'PENDING_TRANSFER')
    throw certificateState(`Certificate ${id} is ${c.status}; set it to INACTIVE or REVOKED before deleting it`);
  const arn = certificateArn(ctx, id);
  const thing = await scoped(ctx)
    .selectFrom('thing_principals')
    .select('thing_name')
    .where('principal', '=', arn)
    .orderBy('thing_name')
    .executeTakeFirst();
  if (thing) throw deleteConflict(`Certificate ${id} is attached to thing ${thing.thing_name}; detach it (DetachThingPrincipal) first`);
  const policies = await attachedPolicyNames(ctx, arn);
  if (policies.length > 0) {
    if (input.forceDelete !== true)
      throw deleteConflict(`Certificate ${id} has attached policies (${policies.sort().join(', ')}); detach them or use forceDelete=true`);
    await detachAllPolicies(ctx, arn);
  }
  await scoped(ctx)
    .deleteFrom('certificates')
    .where('certificate_id', '=', id)
    .execute();
  return {};
}

export const certificateHandlers = {
  // Registrations insert a certificate under its unique id and read nothing else that can change under them but the
  // issuing CA, which they lock: READ COMMITTED, so that thousands of them in one account do not abort each other.
  CreateKeysAndCertificate: atReadCommitted(createKeysAndCertificate),
  CreateCertificateFromCsr: atReadCommitted(createCertificateFromCsr),
  RegisterCertificate: atReadCommitted(registerCertificate),
  RegisterCertificateWithoutCA: atReadCommitted(registerCertificateWithoutCA),
  DescribeCertificate: describeCertificate,
  UpdateCertificate: updateCertificate,
  ListCertificates: listCertificates,
  ListCertificatesByCA: listCertificatesByCA,
  DeleteCertificate: deleteCertificate,
} satisfies HandlerTable;
