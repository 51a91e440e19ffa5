// Builders for real X.509 test material: CAs with a chosen key, verification certificates for RegisterCACertificate,
// device certificates with chosen validity / key / CRL distribution points, CSRs and CRLs. Everything is signed for
// real (WebCrypto through @peculiar/x509), so ddlocal's parser, key rules and signature checks are exercised as they
// are by certificates from openssl or AWS.
//
//   const ca = await makeCa({ key: { type: 'RSA', bits: 2048 } });
//   const verification = await makeVerificationCertificate(ca, registrationCode);
//   const device = await makeDeviceCertificate(ca, { notAfter: daysFromNow(10), crlDistributionPoints: ['http://x/crl'] });
//   const weak = await makeRsa1024Certificate(ca);          // refused by registration
//   const expired = await makeExpiredCertificate(ca);        // accepted by registration, reported by audits
import { checkPrimeSync, createHash, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import * as px from '@peculiar/x509';

px.cryptoProvider.set(webcrypto as unknown as Crypto);
const subtle = webcrypto.subtle as unknown as SubtleCrypto;

export type KeySpec =
  | { type: 'RSA'; bits?: number } // default 2048
  | { type: 'EC'; curve?: 'P-256' | 'P-384' | 'P-521' } // default P-256
  | { type: 'Ed25519' }; // a key type ddlocal refuses

export interface TestKey {
  spec: KeySpec;
  keys: CryptoKeyPair;
  /** The algorithm certificates signed with this key use. */
  signingAlgorithm: Algorithm;
}

export interface TestCertificate {
  /** PEM with a trailing newline. */
  pem: string;
  der: Uint8Array;
  /** ddlocal's certificate id: lower-case hex SHA-256 of the DER. */
  id: string;
  /** Lower-case hex serial as ddlocal stores it (no sign-padding zero byte). */
  serialNumber: string;
  /** The subject as given to the builder (@peculiar/x509 string syntax, most general RDN first as written). */
  subject: string;
  /** The subject's key pair; the private key is absent when the certificate was built for a foreign public key. */
  key: TestKey;
  cert: px.X509Certificate;
  issuer?: TestCertificate;
}

export interface CertificateOptions {
  /** Subject DN, e.g. 'CN=device-1, O=Acme'. Default: a random CN. */
  subject?: string;
  /** The subject key: a spec (a new key is generated) or an existing key (e.g. to re-issue a CA with the same key). */
  key?: KeySpec | TestKey;
  /** The signer; absent = self-signed with the subject key. */
  issuer?: TestCertificate;
  notBefore?: Date | number;
  notAfter?: Date | number;
  /** Hex serial; default 16 random bytes. */
  serialNumber?: string;
  crlDistributionPoints?: string[];
  /** Basic constraints CA=true (with optional path length). Default false. */
  isCa?: boolean;
  pathLength?: number;
  /** Omit the subject/authority key identifier extensions. */
  omitKeyIdentifiers?: boolean;
  extensions?: px.Extension[];
}

const DAY = 86_400_000;
export const daysFromNow = (days: number, now = Date.now()) => new Date(now + days * DAY);

function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes.toString('hex');
}

function normalizeSerial(hexSerial: string): string {
  return hexSerial.toLowerCase().replace(/^(00)+(?=[0-9a-f]{2})/, '');
}

/** Generates a key pair; RSA defaults to 2048 bits, EC to P-256. */
export async function makeKey(spec: KeySpec = { type: 'EC' }): Promise<TestKey> {
  if (spec.type === 'RSA') {
    const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', modulusLength: spec.bits ?? 2048, publicExponent: new Uint8Array([1, 0, 1]) };
    const keys = (await subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
    return { spec, keys, signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5' } };
  }
  if (spec.type === 'EC') {
    const curve = spec.curve ?? 'P-256';
    const keys = (await subtle.generateKey({ name: 'ECDSA', namedCurve: curve }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const hash = curve === 'P-256' ? 'SHA-256' : curve === 'P-384' ? 'SHA-384' : 'SHA-512';
    return { spec, keys, signingAlgorithm: { name: 'ECDSA', hash } as Algorithm };
  }
  const keys = (await subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  return { spec, keys, signingAlgorithm: { name: 'Ed25519' } };
}

const isTestKey = (k: KeySpec | TestKey): k is TestKey => 'keys' in k;

/** The general builder; the helpers below are presets of it. */
export async function makeCertificate(options: CertificateOptions = {}): Promise<TestCertificate> {
  const key = options.key && isTestKey(options.key) ? options.key : await makeKey(options.key);
  const subject = options.subject ?? `CN=test-${randomBytes(6).toString('hex')}`;
  const signer = options.issuer?.key ?? key;
  if (!signer.keys.privateKey) throw new Error('the issuer has no private key to sign with');
  const extensions: px.Extension[] = [];
  if (options.isCa) extensions.push(new px.BasicConstraintsExtension(true, options.pathLength, true));
  else extensions.push(new px.BasicConstraintsExtension(false, undefined, true));
  if (!options.omitKeyIdentifiers) {
    extensions.push(await px.SubjectKeyIdentifierExtension.create(key.keys.publicKey));
    extensions.push(await px.AuthorityKeyIdentifierExtension.create(signer.keys.publicKey));
  }
  if (options.crlDistributionPoints?.length) extensions.push(new px.CRLDistributionPointsExtension(options.crlDistributionPoints));
  extensions.push(...(options.extensions ?? []));
  const serialNumber = options.serialNumber ?? randomSerial();
  const cert = await px.X509CertificateGenerator.create({
    serialNumber,
    subject,
    issuer: options.issuer ? options.issuer.cert.subjectName : subject,
    notBefore: new Date(options.notBefore ?? Date.now() - DAY),
    notAfter: new Date(options.notAfter ?? Date.now() + 365 * DAY),
    publicKey: key.keys.publicKey,
    signingKey: signer.keys.privateKey,
    signingAlgorithm: signer.signingAlgorithm,
    extensions,
  });
  const der = new Uint8Array(cert.rawData);
  return {
    pem: cert.toString('pem') + '\n',
    der,
    id: createHash('sha256').update(der).digest('hex'),
    serialNumber: normalizeSerial(serialNumber),
    subject,
    key,
    cert,
    issuer: options.issuer,
  };
}

/** A CA certificate (basic constraints CA=true); self-signed unless `issuer` makes it an intermediate. */
export function makeCa(options: Omit<CertificateOptions, 'isCa'> = {}): Promise<TestCertificate> {
  return makeCertificate({ subject: `CN=Test CA ${randomBytes(4).toString('hex')}, O=ddlocal tests`, ...options, isCa: true });
}

/** A certificate signed by `ca` whose subject CN is the account's registration code (RegisterCACertificate). */
export function makeVerificationCertificate(ca: TestCertificate, registrationCode: string, options: CertificateOptions = {}) {
  return makeCertificate({ subject: `CN=${registrationCode}`, ...options, issuer: ca });
}

/** A device (end-entity) certificate signed by `ca`. */
export function makeDeviceCertificate(ca: TestCertificate, options: Omit<CertificateOptions, 'issuer'> = {}) {
  return makeCertificate({ ...options, issuer: ca });
}

/** A device certificate with an RSA-1024 key, which every registration path must refuse. */
export function makeRsa1024Certificate(ca?: TestCertificate, options: CertificateOptions = {}) {
  return makeCertificate({ ...options, key: { type: 'RSA', bits: 1024 }, issuer: ca });
}

/** A device certificate with an EC key (P-256 unless `curve` says otherwise). */
export function makeEcCertificate(ca?: TestCertificate, curve: 'P-256' | 'P-384' | 'P-521' = 'P-256', options: CertificateOptions = {}) {
  return makeCertificate({ ...options, key: { type: 'EC', curve }, issuer: ca });
}

/** A certificate whose validity ended `daysAgo` days ago (it started a year before that). */
export function makeExpiredCertificate(ca?: TestCertificate, daysAgo = 10, options: CertificateOptions = {}) {
  const now = Date.now();
  return makeCertificate({ ...options, issuer: ca, notBefore: daysFromNow(-daysAgo - 365, now), notAfter: daysFromNow(-daysAgo, now) });
}

/** PKCS#8 PEM of a test key's private key (e.g. for tools outside the test). */
export async function privateKeyPem(key: TestKey): Promise<string> {
  const pkcs8 = Buffer.from(await subtle.exportKey('pkcs8', key.keys.privateKey));
  return createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }) as string;
}

/** A PKCS#10 CSR for CreateCertificateFromCsr. */
export async function makeCsr(options: { subject?: string; key?: KeySpec | TestKey } = {}): Promise<{ pem: string; key: TestKey }> {
  const key = options.key && isTestKey(options.key) ? options.key : await makeKey(options.key);
  const csr = await px.Pkcs10CertificateRequestGenerator.create({
    name: options.subject ?? `CN=csr-${randomBytes(4).toString('hex')}`,
    keys: key.keys,
    signingAlgorithm: key.signingAlgorithm,
  });
  return { pem: csr.toString('pem') + '\n', key };
}

/** A CRL issued by `issuer` listing the given serials (hex) as revoked. */
export async function makeCrl(
  issuer: TestCertificate,
  revokedSerials: string[],
  options: { thisUpdate?: Date; nextUpdate?: Date; revocationDate?: Date } = {},
): Promise<string> {
  const crl = await px.X509CrlGenerator.create({
    issuer: issuer.cert.subjectName,
    thisUpdate: options.thisUpdate ?? new Date(Date.now() - DAY),
    nextUpdate: options.nextUpdate ?? new Date(Date.now() + 30 * DAY),
    entries: revokedSerials.map((serialNumber) => ({ serialNumber, revocationDate: options.revocationDate ?? new Date(Date.now() - DAY) })),
    signingKey: issuer.key.keys.privateKey,
    signingAlgorithm: issuer.key.signingAlgorithm,
  });
  return crl.toString('pem') + '\n';
}

// ---------------------------------------------------------------------------------------------------------------
// ROCA-structured RSA keys (CVE-2017-15361): primes p = k·M + (65537^a mod M) with M the primorial of 2..167, the
// structure of the vulnerable Infineon library. The full key pair is built, so such a key can also sign (a CA).

const ROCA_M = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167].reduce(
  (acc, p) => acc * BigInt(p),
  1n,
);

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  base %= mod;
  while (exp > 0n) {
    if (exp & 1n) result = (result * base) % mod;
    base = (base * base) % mod;
    exp >>= 1n;
  }
  return result;
}

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [a % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return ((oldS % m) + m) % m;
}

const randomBig = (bits: number) => BigInt(`0x${randomBytes(Math.ceil(bits / 8)).toString('hex')}`) & ((1n << BigInt(bits)) - 1n);

function rocaPrime(bits: number): bigint {
  // p in [0.75·2^bits, 2^bits): the product of two such primes has exactly 2·bits bits.
  const lo = (3n << BigInt(bits - 2)) / ROCA_M + 1n;
  const hi = (1n << BigInt(bits)) / ROCA_M - 1n;
  for (;;) {
    const k = lo + (randomBig(bits) % (hi - lo));
    const p = k * ROCA_M + modPow(65537n, randomBig(64), ROCA_M);
    if ((p - 1n) % 65537n !== 0n && checkPrimeSync(p)) return p;
  }
}

const b64u = (n: bigint) => {
  const hex = n.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex').toString('base64url');
};

/** An RSA key pair (2048 bits unless told otherwise) whose modulus carries the ROCA fingerprint. */
export async function makeRocaKey(bits = 2048): Promise<TestKey & { modulusHex: string }> {
  const p = rocaPrime(bits / 2);
  let q = rocaPrime(bits / 2);
  while (q === p) q = rocaPrime(bits / 2);
  const n = p * q;
  const e = 65537n;
  const d = modInverse(e, (p - 1n) * (q - 1n));
  const jwk = { kty: 'RSA', n: b64u(n), e: 'AQAB', d: b64u(d), p: b64u(p), q: b64u(q), dp: b64u(d % (p - 1n)), dq: b64u(d % (q - 1n)), qi: b64u(modInverse(q, p)), ext: true };
  const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const privateKey = await subtle.importKey('jwk', jwk, algorithm, true, ['sign']);
  const publicKey = await subtle.importKey('jwk', { kty: 'RSA', n: jwk.n, e: jwk.e, ext: true }, algorithm, true, ['verify']);
  return { spec: { type: 'RSA', bits }, keys: { privateKey, publicKey }, signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5' }, modulusHex: n.toString(16) };
}
