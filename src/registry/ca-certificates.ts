// CA certificates and the registration code: GetRegistrationCode, DeleteRegistrationCode,
// RegisterCACertificate, DescribeCACertificate, UpdateCACertificate, ListCACertificates, DeleteCACertificate.
import { randomBytes, randomUUID } from 'node:crypto';
import type { HandlerTable, RequestContext } from './context.js';
import type {
  AutoRegistrationStatus,
  CACertificateStatus,
  CertificateMode,
  DeleteCACertificateInput,
  DeleteCACertificateOutput,
  DeleteRegistrationCodeInput,
  DeleteRegistrationCodeOutput,
  DescribeCACertificateInput,
  DescribeCACertificateOutput,
  GetRegistrationCodeInput,
  GetRegistrationCodeOutput,
  ListCACertificatesInput,
  ListCACertificatesOutput,
  RegisterCACertificateInput,
  RegisterCACertificateOutput,
  UpdateCACertificateInput,
  UpdateCACertificateOutput,
} from '../model/types.generated.js';
import { scope } from './context.js';
import type { CaCertificateRow } from '../store/schema.js';
import { iotArn } from '../kernel/arn.js';
import { alreadyExists, invalidRequest, limitExceeded, notFound } from '../kernel/errors.js';
import { modeledError } from '../model/modeled-error.js';
import { DEFAULT_PAGE_SIZE, pageOf } from '../kernel/pagination.js';
import { fromJson, toJson } from '../kernel/json.js';
import { deleteTags, putTags } from './tag-store.js';
import { certificateValidation, commonNames, isSignedBy, parseAcceptableCertificate, parseCertificate, type ParsedCertificate } from './x509.js';
import { afterCreationCursor, creationCursor } from './creation-order.js';
import { scoped } from '../store/scoped.js';

/** AWS allows at most 10 DEFAULT-mode CA certificates with the same subject per account and region. */
const MAX_CA_CERTIFICATES_PER_SUBJECT = 10;

export interface RegistrationConfig {
  templateBody?: string;
  roleArn?: string;
  templateName?: string;
}

const caCertificateArn = (ctx: RequestContext, certificateId: string) => iotArn(ctx, 'cacert', certificateId.toLowerCase());

export async function findCaCertificate(ctx: RequestContext, certificateId: string): Promise<CaCertificateRow | undefined> {
  return scoped(ctx)
    .selectFrom('ca_certificates')
    .selectAll()
    .where('certificate_id', '=', certificateId.toLowerCase())
    .executeTakeFirst();
}

async function requireCaCertificate(ctx: RequestContext, certificateId: string): Promise<CaCertificateRow> {
  const ca = await findCaCertificate(ctx, certificateId);
  if (!ca) throw notFound(`CA certificate ${certificateId.toLowerCase()} does not exist`);
  return ca;
}

// ---- registration code

async function currentRegistrationCode(ctx: RequestContext): Promise<string | undefined> {
  const row = await scoped(ctx)
    .selectFrom('registration_codes')
    .select('registration_code')
    .executeTakeFirst();
  return row?.registration_code;
}

async function getRegistrationCode(
  _input: GetRegistrationCodeInput,
  ctx: RequestContext,
): Promise<GetRegistrationCodeOutput> {
  const existing = await currentRegistrationCode(ctx);
  if (existing) return { registrationCode: existing };
  const registrationCode = randomBytes(32).toString('hex');
  await ctx.db.insertInto('registration_codes').values({ ...scope(ctx), registration_code: registrationCode }).execute();
  return { registrationCode };
}

async function deleteRegistrationCode(
  _input: DeleteRegistrationCodeInput,
  ctx: RequestContext,
): Promise<DeleteRegistrationCodeOutput> {
  await ctx.db.deleteFrom('registration_codes').where('account_id', '=', ctx.accountId).where('region', '=', ctx.region).execute();
  return {};
}

// ---- registration

/** DEFAULT mode proves possession of the CA key: a certificate signed by it whose CN is the registration code. */
async function checkVerificationCertificate(ctx: RequestContext, ca: ParsedCertificate, pem: string): Promise<void> {
  const verification = parseCertificate(pem, 'verificationCertificate');
  const code = await currentRegistrationCode(ctx);
  const cns = commonNames(verification);
  if (code === undefined)
    throw modeledError(
      'RegistrationCodeValidationException',
      'This account and region have no registration code; call GetRegistrationCode and use it as the verification certificate CN',
    );
  if (cns.length !== 1 || cns[0] !== code)
    throw modeledError(
      'RegistrationCodeValidationException',
      `The subject CN of verificationCertificate (${cns.join(', ') || 'none'}) is not this account's registration code`,
    );
  if (!isSignedBy(verification, ca))
    throw certificateValidation(`verificationCertificate is not signed by the key of CA certificate ${ca.id}`);
}

async function countDefaultCasWithSubject(ctx: RequestContext, subject: string): Promise<number> {
  const row = await scoped(ctx)
    .selectFrom('ca_certificates')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('subject', '=', subject)
    .where('certificate_mode', '=', 'DEFAULT')
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export interface RegisterCaOptions {
  /**
   * Registers a DEFAULT-mode CA without a verification certificate. Only ddlocal's own seeding sets it (the fleet
   * import, docs/decisions.md#x6); RegisterCACertificate through the API never does. A verification certificate that
   * is given is still checked.
   */
  withoutProofOfPossession?: boolean;
}

/** RegisterCACertificate; `options` are for ddlocal's own callers only (the handler table passes none). */
export async function registerCACertificate(
  input: RegisterCACertificateInput,
  ctx: RequestContext,
  options: RegisterCaOptions = {},
): Promise<RegisterCACertificateOutput> {
  const mode: 'DEFAULT' | 'SNI_ONLY' = input.certificateMode ?? 'DEFAULT';
  if (mode === 'DEFAULT' && input.verificationCertificate === undefined && options.withoutProofOfPossession !== true)
    throw invalidRequest('verificationCertificate is required for a CA certificate in DEFAULT mode');
  const ca = parseAcceptableCertificate(input.caCertificate, 'caCertificate');
  if (!ca.facts.is_ca) throw certificateValidation(`The certificate in caCertificate (${ca.id}) is not a CA certificate (basic constraints CA=true)`);
  const arn = caCertificateArn(ctx, ca.id);
  if (await findCaCertificate(ctx, ca.id)) throw alreadyExists(`CA certificate ${ca.id} is already registered`, ca.id, arn);
  // A verification certificate given in SNI_ONLY mode is checked too rather than silently ignored.
  if (input.verificationCertificate !== undefined) await checkVerificationCertificate(ctx, ca, input.verificationCertificate);
  if (mode === 'DEFAULT' && (await countDefaultCasWithSubject(ctx, ca.facts.subject)) >= MAX_CA_CERTIFICATES_PER_SUBJECT)
    throw limitExceeded(
      `${MAX_CA_CERTIFICATES_PER_SUBJECT} CA certificates with subject ${ca.facts.subject} are already registered in DEFAULT mode; that is the limit`,
    );
  const config: RegistrationConfig | undefined = input.registrationConfig;
  await ctx.db
    .insertInto('ca_certificates')
    .values({
      ...scope(ctx),
      ...ca.facts,
      certificate_id: ca.id,
      status: input.setAsActive === true ? 'ACTIVE' : 'INACTIVE',
      certificate_mode: mode,
      auto_registration_status: input.allowAutoRegistration === true ? 'ENABLE' : 'DISABLE',
      registration_config: config === undefined ? null : toJson(config),
      template_name: config?.templateName ?? null,
      customer_version: 1,
      generation_id: randomUUID(),
      created_at: ctx.now,
      updated_at: ctx.now,
    })
    .execute();
  await putTags(ctx, arn, input.tags);
  return { certificateArn: arn, certificateId: ca.id };
}

// ---- reading and changing

async function describeCACertificate(
  input: DescribeCACertificateInput,
  ctx: RequestContext,
): Promise<DescribeCACertificateOutput> {
  const ca = await requireCaCertificate(ctx, input.certificateId);
  return {
    certificateDescription: {
      certificateArn: caCertificateArn(ctx, ca.certificate_id),
      certificateId: ca.certificate_id,
      status: ca.status as CACertificateStatus,
      certificatePem: ca.certificate_pem,
      ownedBy: ctx.accountId,
      creationDate: ca.created_at,
      autoRegistrationStatus: ca.auto_registration_status as AutoRegistrationStatus,
      lastModifiedDate: ca.updated_at,
      customerVersion: ca.customer_version,
      generationId: ca.generation_id,
      validity: { notBefore: ca.not_before, notAfter: ca.not_after },
      certificateMode: ca.certificate_mode as CertificateMode,
    },
    registrationConfig: fromJson<RegistrationConfig | undefined>(ca.registration_config, undefined),
  };
}

export interface CaCertificateChanges {
  status?: string;
  autoRegistrationStatus?: string;
  /** A new registration configuration, or null to remove it. */
  registrationConfig?: RegistrationConfig | null;
}

/**
 * Changes a CA certificate. A status change counts in customerVersion; every change gets a new generationId.
 * UpdateCACertificate, mitigation actions and undo all go through here.
 */
export async function updateCaCertificate(ctx: RequestContext, certificateId: string, changes: CaCertificateChanges): Promise<void> {
  const ca = await requireCaCertificate(ctx, certificateId);
  const status = changes.status ?? ca.status;
  let config = ca.registration_config;
  let templateName = ca.template_name;
  if (changes.registrationConfig === null) [config, templateName] = [null, null];
  else if (changes.registrationConfig !== undefined)
    [config, templateName] = [toJson(changes.registrationConfig), changes.registrationConfig.templateName ?? null];
  await scoped(ctx)
    .updateTable('ca_certificates')
    .set({
      status,
      auto_registration_status: changes.autoRegistrationStatus ?? ca.auto_registration_status,
      registration_config: config,
      template_name: templateName,
      // customerVersion counts status changes; generationId marks every change.
      customer_version: ca.customer_version + (status !== ca.status ? 1 : 0),
      generation_id: randomUUID(),
      updated_at: ctx.now,
    })
    .where('certificate_id', '=', ca.certificate_id)
    .execute();
}

async function updateCACertificate(
  input: UpdateCACertificateInput,
  ctx: RequestContext,
): Promise<UpdateCACertificateOutput> {
  if (input.registrationConfig !== undefined && input.removeAutoRegistration === true)
    throw invalidRequest('registrationConfig and removeAutoRegistration=true cannot be used together');
  await updateCaCertificate(ctx, input.certificateId, {
    status: input.newStatus,
    autoRegistrationStatus: input.newAutoRegistrationStatus,
    registrationConfig: input.removeAutoRegistration === true ? null : input.registrationConfig,
  });
  return {};
}

async function listCACertificates(
  input: ListCACertificatesInput,
  ctx: RequestContext,
): Promise<ListCACertificatesOutput> {
  const ascending = input.ascendingOrder === true;
  const templateName: string | undefined = input.templateName;
  const filters = { ascending, templateName: templateName ?? null };
  const pageSize: number = input.pageSize ?? DEFAULT_PAGE_SIZE;
  const dir = ascending ? 'asc' : 'desc';
  let q = scoped(ctx)
    .selectFrom('ca_certificates')
    .select(['certificate_id', 'status', 'created_at'])
    .orderBy('created_at', dir)
    .orderBy('certificate_id', dir) // unique tie-breaker for CAs registered in the same millisecond
    .limit(pageSize + 1);
  if (templateName !== undefined) q = q.where('template_name', '=', templateName);
  const cursor = creationCursor('ListCACertificates', filters, input.marker);
  if (cursor) q = q.where(afterCreationCursor(cursor, 'certificate_id', ascending));
  const page = pageOf(await q.execute(), pageSize, 'ListCACertificates', filters, (r) => [r.created_at, r.certificate_id]);
  return {
    certificates: page.items.map((r) => ({
      certificateArn: caCertificateArn(ctx, r.certificate_id),
      certificateId: r.certificate_id,
      status: r.status as CACertificateStatus,
      creationDate: r.created_at,
    })),
    nextMarker: page.next,
  };
}

async function deleteCACertificate(
  input: DeleteCACertificateInput,
  ctx: RequestContext,
): Promise<DeleteCACertificateOutput> {
  const ca = await requireCaCertificate(ctx, input.certificateId);
  if (ca.status === 'ACTIVE')
    throw modeledError('CertificateStateException', `CA certificate ${ca.certificate_id} is ACTIVE; set it to INACTIVE before deleting it`);
  // Device certificates keep their caCertificateId (docs/decisions.md#r7): their history stays readable.
  await scoped(ctx)
    .deleteFrom('ca_certificates')
    .where('certificate_id', '=', ca.certificate_id)
    .execute();
  // The CRL registered for this CA goes with it (docs/decisions.md#r7): re-registering the same certificate later
  // must not revive revocations the user never registered for the new registration.
  await scoped(ctx)
    .deleteFrom('registered_crls')
    .where('ca_certificate_id', '=', ca.certificate_id)
    .execute();
  await deleteTags(ctx, caCertificateArn(ctx, ca.certificate_id));
  return {};
}

export const caCertificateHandlers = {
  GetRegistrationCode: getRegistrationCode,
  DeleteRegistrationCode: deleteRegistrationCode,
  RegisterCACertificate: (input: RegisterCACertificateInput, ctx: RequestContext) => registerCACertificate(input, ctx),
  DescribeCACertificate: describeCACertificate,
  UpdateCACertificate: updateCACertificate,
  ListCACertificates: listCACertificates,
  DeleteCACertificate: deleteCACertificate,
} satisfies HandlerTable;
