// Certificate revocation data for the revocation checks (docs/decisions.md#a13, #a33): CRLs registered per CA
// certificate through PUT /_ddlocal/crls/{caCertificateId}, and CRLs fetched from the certificates' CRL distribution
// points (http/https/file). A CRL counts only when its issuer name is the certificate's issuer and, when the issuer's
// certificate is known to ddlocal, its signature verifies with that key. Each URL is fetched once per audit task.
import { webcrypto } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as px from '@peculiar/x509';
import type { ExtensionRequest, ExtensionRoute } from '../../kernel/extension-route.js';
import type { Db, Store } from '../../store/store.js';
import type { Clock } from '../../kernel/clock.js';
import { invalidRequest, notFound } from '../../kernel/errors.js';
import { readJsonBody } from '../../kernel/json-body.js';
import { fromJson, toJson } from '../../kernel/json.js';
import { toPem } from '../../registry/x509.js';
import { scoped } from '../../store/scoped.js';

/** What revocation needs of an audit: its database handle, its account and region, its instant, its settings. */
interface RevocationScope {
  db: Db;
  accountId: string;
  region: string;
  now: number;
  /** Whether distribution points with file: URLs are read (the DDLOCAL_CRL_FILE_URLS setting); default true. */
  crlFileUrls?: boolean;
}

px.cryptoProvider.set(webcrypto as unknown as Crypto);

const CRL_FETCH_TIMEOUT_MS = 5_000;
const CRL_MAX_BYTES = 10 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------------------------
// Parsing

export interface ParsedCrl {
  crl: px.X509Crl;
  /** DER of the issuer name as @peculiar/x509 encodes it; compared with certificate names encoded the same way. */
  issuerName: string;
  thisUpdate: number;
  nextUpdate: number | undefined;
  /** Revoked serials, lower-case hex without sign-padding zero bytes (the form certificates store). */
  revoked: Set<string>;
}

/** A serial in the stored form: lower-case hex, no leading zero bytes (x509.ts serialHex). */
export function normalizeSerial(hex: string): string {
  return hex.toLowerCase().replace(/^(00)+(?=[0-9a-f]{2})/, '');
}

const nameKey = (name: px.Name) => Buffer.from(name.toArrayBuffer()).toString('hex');

/** Decodes a CRL from PEM text, base64 DER text or DER bytes; throws an Error saying what is wrong. */
function parseCrl(data: Buffer | string): ParsedCrl {
  const text = typeof data === 'string' ? data : data.toString('latin1');
  let der: Buffer;
  // openssl writes the label X509 CRL; some libraries write CRL.
  const pem = /-----BEGIN (X509 )?CRL-----([\s\S]*?)-----END \1CRL-----/.exec(text);
  if (pem) der = Buffer.from(pem[2]!.replace(/\s+/g, ''), 'base64');
  else if (typeof data !== 'string' && data[0] === 0x30) der = data;
  else if (/^[A-Za-z0-9+/=\s]+$/.test(text)) der = Buffer.from(text.replace(/\s+/g, ''), 'base64');
  else throw new Error('is neither a PEM X509 CRL nor DER');
  let crl: px.X509Crl;
  try {
    crl = new px.X509Crl(new Uint8Array(der));
  } catch {
    throw new Error('is not a valid X.509 CRL');
  }
  return {
    crl,
    issuerName: nameKey(crl.issuerName),
    thisUpdate: crl.thisUpdate.getTime(),
    nextUpdate: crl.nextUpdate?.getTime(),
    revoked: new Set(crl.entries.map((e) => normalizeSerial(e.serialNumber))),
  };
}

async function signedBy(crl: ParsedCrl, issuer: px.X509Certificate): Promise<boolean> {
  try {
    return await crl.crl.verify({ publicKey: issuer });
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Fetching (one fetch per URL per audit task)

type FetchOutcome = { ok: true; crl: ParsedCrl } | { ok: false; reason: string };

async function readLimited(response: Response): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > CRL_MAX_BYTES) throw new Error(`is larger than ${CRL_MAX_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > CRL_MAX_BYTES) throw new Error(`is larger than ${CRL_MAX_BYTES} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

async function fetchBytes(url: string, fileUrls: boolean): Promise<Buffer> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('is not a valid URL');
  }
  if (parsed.protocol === 'http:' || parsed.protocol === 'https:') {
    const response = await fetch(parsed, { signal: AbortSignal.timeout(CRL_FETCH_TIMEOUT_MS) });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`answered HTTP ${response.status}`);
    }
    return await readLimited(response);
  }
  if (parsed.protocol === 'file:') {
    if (!fileUrls) throw new Error('file: URLs are disabled (DDLOCAL_CRL_FILE_URLS=false)');
    const path = fileURLToPath(parsed);
    if ((await stat(path)).size > CRL_MAX_BYTES) throw new Error(`is larger than ${CRL_MAX_BYTES} bytes`);
    return await readFile(path);
  }
  throw new Error(`uses the scheme ${parsed.protocol} which ddlocal cannot read`);
}

async function fetchCrl(url: string, fileUrls: boolean): Promise<FetchOutcome> {
  try {
    return { ok: true, crl: parseCrl(await fetchBytes(url, fileUrls)) };
  } catch (err) {
    const e = err as Error;
    const reason = e.name === 'TimeoutError' ? `timed out after ${CRL_FETCH_TIMEOUT_MS} ms` : e.message;
    return { ok: false, reason };
  }
}

/**
 * Fetches shared by the checks of one audit task. All checks of a task evaluate at the task's start time, so
 * (account, region, start time) identifies the task; entries are dropped after a few minutes.
 */
const TASK_FETCHES = new Map<string, { created: number; urls: Map<string, Promise<FetchOutcome>> }>();
const TASK_FETCH_TTL_MS = 10 * 60_000;

function taskFetches(ctx: RevocationScope): Map<string, Promise<FetchOutcome>> {
  const wall = Date.now();
  for (const [k, v] of TASK_FETCHES) if (wall - v.created > TASK_FETCH_TTL_MS) TASK_FETCHES.delete(k);
  // Two servers in one process may differ in whether file: URLs are read; their fetches must not be shared.
  const key = `${ctx.accountId}|${ctx.region}|${ctx.now}|${ctx.crlFileUrls ?? true}`;
  let entry = TASK_FETCHES.get(key);
  if (!entry) {
    entry = { created: wall, urls: new Map() };
    TASK_FETCHES.set(key, entry);
  }
  return entry.urls;
}

// ---------------------------------------------------------------------------------------------------------------
// Revocation state

/** The facts of a certificate whose revocation is asked (device or CA certificate rows). */
export interface SubjectCertificate {
  certificate_id: string;
  /** Absent for device certificates read in bulk: the resolver reads it from `certificates` only when it must decode
   *  the issuer name, once per distinct issuer text, instead of every row carrying its PEM. */
  certificate_pem?: string;
  issuer: string;
  serial_number: string;
  crl_urls: string;
  /** The registered CA that issued it, when known (device certificates registered with a CA). */
  ca_certificate_id: string | null;
}

export type RevocationState =
  | { state: 'revoked'; source: string }
  | { state: 'not-revoked' }
  /** Sources exist but none could be used: each entry names a source and why. */
  | { state: 'unknown'; failures: string[] };

interface KnownIssuer {
  certificateId: string | undefined;
  cert: px.X509Certificate;
}

interface RegisteredCrl {
  caCertificateId: string;
  revoked: Set<string>;
}

/** Error carrying the engine's errorCode for missing external data, with the findings proven anyway
 *  (docs/decisions.md#a33). */
export class RevocationDataUnavailable extends Error {
  readonly errorCode = 'DATA_UNAVAILABLE';
  constructor(
    message: string,
    /** Findings proven from the data that was available; the engine may store them with the FAILED status. */
    readonly partial: unknown,
  ) {
    super(message);
  }
}

/** The message of a DATA_UNAVAILABLE failure: the failing sources, once each. */
export function unavailableMessage(failures: Iterable<string>): string {
  const list = [...new Set(failures)].sort();
  const shown = list.slice(0, 20).join('; ');
  return `revocation state unknown, no CRL source could be read or verified: ${shown}${list.length > 20 ? `; and ${list.length - 20} more` : ''}`;
}

/**
 * Answers "is this certificate revoked by its issuer?" for the certificates of one account, reading the registered
 * CA certificates, ddlocal's issuing CA and the registered CRLs once.
 */
export class RevocationResolver {
  private caRows: { certificate_id: string; subject: string; certificate_pem: string }[] = [];
  /** caRows by subject text: the candidate issuers of a certificate are found without a scan per certificate. */
  private casBySubject = new Map<string, { certificate_id: string }[]>();
  private parsedCas = new Map<string, px.X509Certificate>();
  private issuingCa: px.X509Certificate | undefined;
  private registered = new Map<string, RegisteredCrl>();
  private issuerNames = new Map<string, string>();
  private verified = new Map<string, Promise<boolean>>();
  private fetches: Map<string, Promise<FetchOutcome>>;

  private constructor(private readonly ctx: RevocationScope) {
    this.fetches = taskFetches(ctx);
  }

  static async create(ctx: RevocationScope): Promise<RevocationResolver> {
    const r = new RevocationResolver(ctx);
    r.caRows = await scoped(ctx)
      .selectFrom('ca_certificates')
      .select(['certificate_id', 'subject', 'certificate_pem'])
      .execute();
    for (const row of r.caRows) {
      const same = r.casBySubject.get(row.subject);
      if (same) same.push(row);
      else r.casBySubject.set(row.subject, [row]);
    }
    const crls = await scoped(ctx)
      .selectFrom('registered_crls')
      .select(['ca_certificate_id', 'revoked_serials'])
      .execute();
    for (const c of crls)
      r.registered.set(c.ca_certificate_id, { caCertificateId: c.ca_certificate_id, revoked: new Set(fromJson<string[]>(c.revoked_serials, [])) });
    const issuing = await scoped(ctx)
      .selectFrom('issuing_cas')
      .select('certificate_pem')
      .executeTakeFirst();
    if (issuing) r.issuingCa = new px.X509Certificate(issuing.certificate_pem);
    return r;
  }

  /** The registered CA certificates that have a registered CRL (a CRL source for every certificate they issued). */
  get casWithRegisteredCrl(): readonly { certificate_id: string; subject: string }[] {
    return this.caRows.filter((c) => this.registered.has(c.certificate_id));
  }

  private ca(id: string): px.X509Certificate | undefined {
    let cert = this.parsedCas.get(id);
    if (!cert) {
      const row = this.caRows.find((c) => c.certificate_id === id);
      if (!row) return undefined;
      cert = new px.X509Certificate(row.certificate_pem);
      this.parsedCas.set(id, cert);
    }
    return cert;
  }

  /** The certificates ddlocal knows that may have issued `c` (never `c` itself). */
  private async issuersOf(c: SubjectCertificate): Promise<KnownIssuer[]> {
    if (c.ca_certificate_id) {
      const cert = this.ca(c.ca_certificate_id);
      if (cert) return [{ certificateId: c.ca_certificate_id, cert }];
    }
    const out: KnownIssuer[] = (this.casBySubject.get(c.issuer) ?? [])
      .filter((row) => row.certificate_id !== c.certificate_id)
      .map((row) => ({ certificateId: row.certificate_id, cert: this.ca(row.certificate_id)! }));
    if (this.issuingCa && out.length === 0) {
      const issuing = this.issuingCa;
      if (nameKey(issuing.subjectName) === (await this.issuerNameOf(c))) out.push({ certificateId: undefined, cert: issuing });
    }
    return out;
  }

  /** The encoded issuer name of a certificate, parsed once per distinct issuer text. */
  private async issuerNameOf(c: SubjectCertificate): Promise<string> {
    let key = this.issuerNames.get(c.issuer);
    if (key === undefined) {
      const pem =
        c.certificate_pem ??
        (
          await scoped(this.ctx)
            .selectFrom('certificates')
            .select('certificate_pem')
            .where('certificate_id', '=', c.certificate_id)
            .executeTakeFirstOrThrow()
        ).certificate_pem;
      key = nameKey(new px.X509Certificate(pem).issuerName);
      this.issuerNames.set(c.issuer, key);
    }
    return key;
  }

  private fetch(url: string): Promise<FetchOutcome> {
    let outcome = this.fetches.get(url);
    if (!outcome) {
      outcome = fetchCrl(url, this.ctx.crlFileUrls ?? true);
      this.fetches.set(url, outcome);
    }
    return outcome;
  }

  /** Whether a fetched CRL may speak for `c`: issued under c's issuer name and, if the issuer is known, signed by it. */
  private async usable(url: string, crl: ParsedCrl, c: SubjectCertificate, issuers: KnownIssuer[]): Promise<string | undefined> {
    if (crl.issuerName !== (await this.issuerNameOf(c))) return `${url}: the CRL is issued by ${crl.crl.issuer}, not by ${c.issuer}`;
    if (issuers.length === 0) return undefined;
    for (const issuer of issuers) {
      const key = `${url}|${issuer.certificateId ?? 'issuing-ca'}`;
      let check = this.verified.get(key);
      if (!check) {
        check = signedBy(crl, issuer.cert);
        this.verified.set(key, check);
      }
      if (await check) return undefined;
    }
    return `${url}: the CRL signature does not verify with the key of ${c.issuer}`;
  }

  async stateOf(c: SubjectCertificate): Promise<RevocationState> {
    const issuers = await this.issuersOf(c);
    const serial = normalizeSerial(c.serial_number);
    let usableSources = 0;
    const failures: string[] = [];
    for (const issuer of issuers) {
      const crl = issuer.certificateId === undefined ? undefined : this.registered.get(issuer.certificateId);
      if (!crl) continue;
      usableSources++;
      if (crl.revoked.has(serial)) return { state: 'revoked', source: `the CRL registered for CA certificate ${crl.caCertificateId}` };
    }
    for (const url of fromJson<string[]>(c.crl_urls, [])) {
      const outcome = await this.fetch(url);
      if (!outcome.ok) {
        failures.push(`${url}: ${outcome.reason}`);
        continue;
      }
      const problem = await this.usable(url, outcome.crl, c, issuers);
      if (problem) {
        failures.push(problem);
        continue;
      }
      usableSources++;
      if (outcome.crl.revoked.has(serial)) return { state: 'revoked', source: url };
    }
    if (usableSources === 0 && failures.length > 0) return { state: 'unknown', failures };
    return { state: 'not-revoked' };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// PUT/GET/DELETE /_ddlocal/crls/{caCertificateId} (docs/decisions.md#x3)

const PREFIX = '/_ddlocal/crls/';
const CERTIFICATE_ID = /^[0-9a-f]{64}$/;

function caIdOf(req: ExtensionRequest): string {
  let id: string;
  try {
    id = decodeURIComponent(req.path.slice(PREFIX.length)).toLowerCase();
  } catch {
    throw invalidRequest(`The caCertificateId in ${req.path} is not valid URL encoding`);
  }
  if (!CERTIFICATE_ID.test(id)) throw invalidRequest(`${req.method} ${PREFIX}{caCertificateId}: ${id || '(empty)'} is not a certificate id (64 hex characters)`);
  return id;
}

function crlBody(req: ExtensionRequest, caId: string): string {
  const body = readJsonBody(req.body, { notJson: `CRL for CA certificate ${caId}: the body must be JSON {"crl": "<PEM or base64 DER>"}` });
  const crl = (body as { crl?: unknown } | null)?.crl;
  if (typeof crl !== 'string' || crl.trim() === '')
    throw invalidRequest(`CRL for CA certificate ${caId}: crl is required and must be a PEM or base64 DER string`);
  return crl;
}

export function crlRoutes(store: Store, clock: Clock): ExtensionRoute[] {
  const key = (req: ExtensionRequest, id: string) => ({ account_id: req.caller.accountId, region: req.caller.region, ca_certificate_id: id });
  const select = (req: ExtensionRequest, id: string) =>
    store.transaction((db) =>
      db
        .selectFrom('registered_crls')
        .selectAll()
        .where('account_id', '=', req.caller.accountId)
        .where('region', '=', req.caller.region)
        .where('ca_certificate_id', '=', id)
        .executeTakeFirst(),
    );
  return [
    {
      method: 'PUT',
      path: PREFIX,
      action: 'ddlocal:PutCrl',
      handler: async (req) => {
        const id = caIdOf(req);
        const text = crlBody(req, id);
        let crl: ParsedCrl;
        try {
          crl = parseCrl(text);
        } catch (err) {
          throw invalidRequest(`CRL for CA certificate ${id} ${(err as Error).message}`);
        }
        await store.transaction(async (db) => {
          const ca = await db
            .selectFrom('ca_certificates')
            .select(['certificate_pem', 'subject'])
            .where('account_id', '=', req.caller.accountId)
            .where('region', '=', req.caller.region)
            .where('certificate_id', '=', id)
            .executeTakeFirst();
          if (!ca) throw invalidRequest(`CA certificate ${id} is not registered; register it before its CRL`);
          const caCert = new px.X509Certificate(ca.certificate_pem);
          if (crl.issuerName !== nameKey(caCert.subjectName))
            throw invalidRequest(`The CRL is issued by ${crl.crl.issuer}, not by CA certificate ${id} (${ca.subject})`);
          if (!(await signedBy(crl, caCert)))
            throw invalidRequest(`The CRL signature does not verify with the key of CA certificate ${id}`);
          const row = {
            ...key(req, id),
            crl_pem: toPem(new Uint8Array(crl.crl.rawData), 'X509 CRL'),
            this_update: crl.thisUpdate,
            next_update: crl.nextUpdate ?? null,
            revoked_serials: toJson([...crl.revoked]),
            updated_at: clock.now(),
          };
          const { account_id: _a, region: _r, ca_certificate_id: _c, ...changes } = row;
          await db
            .insertInto('registered_crls')
            .values(row)
            .onConflict((oc) => oc.columns(['account_id', 'region', 'ca_certificate_id']).doUpdateSet(changes))
            .execute();
        });
        return { body: { stored: 1 } };
      },
    },
    {
      method: 'GET',
      path: PREFIX,
      action: 'ddlocal:GetCrl',
      handler: async (req) => {
        const id = caIdOf(req);
        const row = await select(req, id);
        if (!row) throw notFound(`No CRL is registered for CA certificate ${id}`);
        return {
          body: {
            crl: row.crl_pem,
            thisUpdate: new Date(Number(row.this_update)).toISOString(),
            ...(row.next_update === null ? {} : { nextUpdate: new Date(Number(row.next_update)).toISOString() }),
            revokedSerialNumbers: fromJson<string[]>(row.revoked_serials, []),
          },
        };
      },
    },
    {
      method: 'DELETE',
      path: PREFIX,
      action: 'ddlocal:DeleteCrl',
      handler: async (req) => {
        const id = caIdOf(req);
        const result = await store.transaction((db) =>
          db
            .deleteFrom('registered_crls')
            .where('account_id', '=', req.caller.accountId)
            .where('region', '=', req.caller.region)
            .where('ca_certificate_id', '=', id)
            .executeTakeFirst(),
        );
        if (Number(result.numDeletedRows) === 0) throw notFound(`No CRL is registered for CA certificate ${id}`);
        return { body: {} };
      },
    },
  ];
}
