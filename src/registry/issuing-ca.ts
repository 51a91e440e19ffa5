// The per-(account, region) ddlocal CA (docs/decisions.md#r1): a self-signed RSA 2048 CA, created on first use and
// kept in `issuing_cas`, that signs the certificates of CreateKeysAndCertificate and CreateCertificateFromCsr. It is
// not a registered CA certificate; GET /_ddlocal/ca hands its certificate out so devices and tools can trust
// ddlocal's certificates (docs/decisions.md#x4).
import { createPrivateKey, createPublicKey, generateKeyPair, randomBytes, webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import * as px from '@peculiar/x509';
import type { Transaction } from 'kysely';
import type { Database } from '../store/schema.js';
import type { RequestContext } from './context.js';
import { invalidRequest } from '../kernel/errors.js';
import { keyFacts, keyRuleViolation } from './x509.js';
import { scoped } from '../store/scoped.js';

const subtle = webcrypto.subtle as unknown as SubtleCrypto;
const generateKeyPairAsync = promisify(generateKeyPair);

const SIGNING = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

/**
 * Far-future expiry, like certificates AWS issues (docs/decisions.md#r1); still a UTCTime, so every TLS stack reads
 * it.
 */
const ISSUED_NOT_AFTER = Date.UTC(2049, 11, 31, 23, 59, 59);

/**
 * The CA's own validity encloses every certificate it can issue: ddlocal's clock may be moved backwards or forwards
 * (docs/decisions.md#a18), so a CA that started "now" could be younger than certificates issued later at an earlier
 * clock time, or not yet valid in real time for tools verifying the chain.
 */
const CA_NOT_BEFORE = Date.UTC(2000, 0, 1, 0, 0, 0);

const ISSUED_SUBJECT = 'CN=AWS IoT Certificate';

type CaScope = Pick<RequestContext, 'accountId' | 'region' | 'now'> & { db: Transaction<Database> };

export interface IssuingCa {
  certificatePem: string;
  privateKeyPem: string;
}

function issuingCaName(accountId: string, region: string): string {
  return `CN=ddlocal CA ${accountId} ${region}`;
}

/**
 * A random 16-byte serial (docs/decisions.md#r1), positive and with a non-zero first byte so it always encodes as 16
 * bytes.
 */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes.toString('hex');
}

async function createIssuingCa(accountId: string, region: string): Promise<IssuingCa> {
  const keys = (await subtle.generateKey(
    { ...SIGNING, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair;
  const cert = await px.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: issuingCaName(accountId, region),
    notBefore: new Date(CA_NOT_BEFORE),
    notAfter: new Date(ISSUED_NOT_AFTER),
    keys,
    signingAlgorithm: SIGNING,
    extensions: [
      new px.BasicConstraintsExtension(true, undefined, true),
      new px.KeyUsagesExtension(px.KeyUsageFlags.keyCertSign | px.KeyUsageFlags.cRLSign, true),
      await px.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = Buffer.from(await subtle.exportKey('pkcs8', keys.privateKey));
  const privateKeyPem = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }) as string;
  return { certificatePem: cert.toString('pem') + '\n', privateKeyPem };
}

/** The caller's ddlocal CA, created (and stored in the same transaction) on first use. */
export async function issuingCa(ctx: CaScope): Promise<IssuingCa> {
  const row = await scoped(ctx)
    .selectFrom('issuing_cas')
    .select(['certificate_pem', 'private_key_pem'])
    .executeTakeFirst();
  if (row) return { certificatePem: row.certificate_pem, privateKeyPem: row.private_key_pem };
  const ca = await createIssuingCa(ctx.accountId, ctx.region);
  await ctx.db
    .insertInto('issuing_cas')
    .values({ account_id: ctx.accountId, region: ctx.region, certificate_pem: ca.certificatePem, private_key_pem: ca.privateKeyPem })
    .execute();
  return ca;
}

async function signingKeyOf(ca: IssuingCa): Promise<CryptoKey> {
  const pkcs8 = createPrivateKey(ca.privateKeyPem).export({ type: 'pkcs8', format: 'der' });
  return subtle.importKey('pkcs8', pkcs8, SIGNING, false, ['sign']);
}

/** Signs a device certificate for `publicKey` (SPKI DER) with the caller's ddlocal CA; returns its PEM. */
async function issue(ctx: CaScope, subject: string | px.Name, spki: Uint8Array<ArrayBuffer>): Promise<string> {
  const ca = await issuingCa(ctx);
  const caCert = new px.X509Certificate(ca.certificatePem);
  const cert = await px.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject,
    issuer: caCert.subjectName,
    notBefore: new Date(ctx.now),
    notAfter: new Date(ISSUED_NOT_AFTER),
    publicKey: spki,
    signingKey: await signingKeyOf(ca),
    signingAlgorithm: SIGNING,
    extensions: [
      new px.BasicConstraintsExtension(false, undefined, true),
      new px.KeyUsagesExtension(px.KeyUsageFlags.digitalSignature | px.KeyUsageFlags.keyEncipherment, true),
      await px.SubjectKeyIdentifierExtension.create(spki),
      await px.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  return cert.toString('pem') + '\n';
}

export interface IssuedWithKeys {
  certificatePem: string;
  /** SPKI PEM (`PUBLIC KEY`), docs/decisions.md#r2. */
  publicKeyPem: string;
  /** PKCS#1 PEM (`RSA PRIVATE KEY`), docs/decisions.md#r2. */
  privateKeyPem: string;
}

/** CreateKeysAndCertificate: a new RSA 2048 key pair and its certificate (docs/decisions.md#r1, #r2). */
export async function issueWithNewKeyPair(ctx: CaScope): Promise<IssuedWithKeys> {
  const { publicKey, privateKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
  return {
    certificatePem: await issue(ctx, ISSUED_SUBJECT, spki),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
  };
}

/**
 * CreateCertificateFromCsr: a certificate with the CSR's subject and key. The model gives this operation no
 * certificate exception, so every CSR problem is InvalidRequestException.
 */
export async function issueFromCsr(ctx: CaScope, csrPem: string): Promise<string> {
  let csr: px.Pkcs10CertificateRequest;
  try {
    csr = new px.Pkcs10CertificateRequest(csrPem.trim());
  } catch {
    throw invalidRequest('certificateSigningRequest is not a PEM-encoded PKCS#10 certificate signing request');
  }
  let selfSigned = false;
  try {
    selfSigned = await csr.verify();
  } catch {
    selfSigned = false;
  }
  if (!selfSigned) throw invalidRequest('The signature of the certificate signing request does not verify with its own public key');
  const spki = new Uint8Array(csr.publicKey.rawData);
  let violation: string | undefined;
  try {
    violation = keyRuleViolation(keyFacts(createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' })));
  } catch {
    violation = 'a public key that cannot be read';
  }
  if (violation) throw invalidRequest(`The certificate signing request has ${violation}`);
  return issue(ctx, csr.subjectName, spki);
}
