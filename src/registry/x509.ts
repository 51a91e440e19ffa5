// X.509 parsing for certificates and CA certificates: turns a PEM into the facts ddlocal stores
// (CertificateFacts), enforces the key rules (docs/decisions.md#a17, #r3) and verifies who signed a certificate.
//
// Three readers are combined on purpose: Node's X509Certificate (OpenSSL) is the strict parser and does key and
// signature work; a small DER walker reads the serial and the raw names, because RFC 4514 strings and serials must be
// derived from the exact encoded bytes (library string forms reorder RDNs and re-encode values); @peculiar/x509
// decodes the extensions.
import { createHash, webcrypto, X509Certificate as NodeCertificate, type KeyObject } from 'node:crypto';
import * as px from '@peculiar/x509';
import { modeledError } from '../model/modeled-error.js';
import type { CertificateFacts } from '../store/schema.js';

px.cryptoProvider.set(webcrypto as unknown as Crypto);

export const certificateValidation = (message: string) => modeledError('CertificateValidationException', message);

// ---------------------------------------------------------------------------------------------------------------
// PEM

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** Standard PEM text of DER bytes: 64-character base64 lines and a final newline. */
export function toPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * The DER of the single certificate in a PEM text. Text outside PEM blocks (e.g. openssl's "subject=" lines) is
 * tolerated; any second block — another certificate, or a key pasted along — is refused: the rule is exactly one.
 */
function singleCertificateDer(pem: string, what: string): Buffer {
  const blocks = [...pem.matchAll(PEM_BLOCK)];
  const certs = blocks.filter((b) => b[1] === 'CERTIFICATE');
  if (certs.length === 0) throw certificateValidation(`${what} does not contain a PEM certificate (-----BEGIN CERTIFICATE-----)`);
  if (certs.length > 1)
    throw certificateValidation(`${what} contains ${certs.length} certificates; exactly one X.509 certificate is required`);
  if (blocks.length > 1)
    throw certificateValidation(`${what} contains a ${blocks.find((b) => b[1] !== 'CERTIFICATE')![1]} block; only one certificate is accepted`);
  const body = certs[0]![2]!.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) throw certificateValidation(`${what} is not valid base64 inside the PEM block`);
  return Buffer.from(body, 'base64');
}

// ---------------------------------------------------------------------------------------------------------------
// Minimal DER reader (definite lengths only, as DER requires)

interface Tlv {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  /** Offset of the first content byte. */
  body: number;
  /** Offset just past the content. */
  end: number;
}

class DerError extends Error {}

function readTlv(buf: Uint8Array, offset: number, limit = buf.length): Tlv {
  if (offset + 2 > limit) throw new DerError('truncated');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not used in certificates');
  let len = buf[offset + 1]!;
  let body = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || body + n > limit) throw new DerError('bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[body + i]!;
    body += n;
  }
  const end = body + len;
  if (end > limit) throw new DerError('truncated');
  return { tag, start: offset, body, end };
}

function childrenOf(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.body; at < parent.end; ) {
    const child = readTlv(buf, at, parent.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

function decodeOid(bytes: Uint8Array): string {
  const arcs: number[] = [];
  let value = 0;
  for (const b of bytes) {
    value = value * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else arcs.push(value);
      value = 0;
    }
  }
  return arcs.join('.');
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/**
 * Lower-case hex of a DER INTEGER's content bytes without the sign-padding zero byte, i.e. the serial as openssl and
 * Node print it (lower-cased). Exported so CRL entries can be compared in exactly the same form.
 */
export function serialHex(content: Uint8Array): string {
  let bytes = content;
  while (bytes.length > 1 && bytes[0] === 0) bytes = bytes.subarray(1);
  return hex(bytes);
}

// ---------------------------------------------------------------------------------------------------------------
// RFC 4514 distinguished names

/** The attribute types RFC 4514 §3 gives short names; every other type is written as a dotted OID. */
const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.6': 'C',
  '2.5.4.9': 'STREET',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
};

function decodeUtf16Be(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i + 1 < bytes.length; i += 2) s += String.fromCharCode((bytes[i]! << 8) | bytes[i + 1]!);
  return s;
}

function decodeUtf32Be(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i + 3 < bytes.length; i += 4)
    s += String.fromCodePoint(((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0);
  return s;
}

/** The text of a string-typed attribute value, or undefined for non-string ASN.1 types. */
function directoryString(tag: number, bytes: Uint8Array): string | undefined {
  switch (tag) {
    case 0x0c: // UTF8String
      return Buffer.from(bytes).toString('utf8');
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x1a: // VisibleString
      return Buffer.from(bytes).toString('latin1');
    case 0x14: // TeletexString: treated as Latin-1, as OpenSSL does in practice
      return Buffer.from(bytes).toString('latin1');
    case 0x1e: // BMPString
      return decodeUtf16Be(bytes);
    case 0x1c: // UniversalString
      return decodeUtf32Be(bytes);
    default:
      return undefined;
  }
}

/** RFC 4514 §2.4 escaping of a string value. */
function escapeRfc4514(value: string): string {
  const chars = [...value];
  return chars
    .map((c, i) => {
      if (c === '\0') return '\\00';
      if ('"+,;<>\\'.includes(c)) return `\\${c}`;
      if (c === ' ' && (i === 0 || i === chars.length - 1)) return '\\ ';
      if (c === '#' && i === 0) return '\\#';
      return c;
    })
    .join('');
}

export interface NameAttribute {
  oid: string;
  /** The decoded text for string-typed values; undefined otherwise. */
  value: string | undefined;
}

interface ParsedName {
  rfc4514: string;
  /** Attributes in encoding order (most general first). */
  attributes: NameAttribute[];
}

function parseName(buf: Uint8Array, name: Tlv): ParsedName {
  if (name.tag !== 0x30) throw new DerError('a name is not a SEQUENCE');
  const attributes: NameAttribute[] = [];
  const rdnTexts: string[] = [];
  for (const rdn of childrenOf(buf, name)) {
    if (rdn.tag !== 0x31) throw new DerError('an RDN is not a SET');
    const parts: string[] = [];
    for (const atv of childrenOf(buf, rdn)) {
      const [type, value] = childrenOf(buf, atv);
      if (!type || !value || type.tag !== 0x06) throw new DerError('bad AttributeTypeAndValue');
      const oid = decodeOid(buf.subarray(type.body, type.end));
      const text = directoryString(value.tag, buf.subarray(value.body, value.end));
      attributes.push({ oid, value: text });
      const short = SHORT_NAMES[oid];
      // RFC 4514 §2.4: dotted types, and values that are not strings, are written as #<hex of the BER encoding>.
      const rendered = short !== undefined && text !== undefined ? escapeRfc4514(text) : `#${hex(buf.subarray(value.start, value.end))}`;
      parts.push(`${short ?? oid}=${rendered}`);
    }
    rdnTexts.push(parts.join('+'));
  }
  // RFC 4514 §2.1: RDNs are written from the last element of the sequence to the first.
  return { rfc4514: rdnTexts.reverse().join(','), attributes };
}

interface TbsFields {
  serial: string;
  issuer: ParsedName;
  subject: ParsedName;
}

function readTbs(der: Uint8Array): TbsFields {
  const cert = readTlv(der, 0);
  if (cert.tag !== 0x30 || cert.end !== der.length) throw new DerError('not a single DER SEQUENCE');
  const tbs = childrenOf(der, cert)[0];
  if (!tbs || tbs.tag !== 0x30) throw new DerError('no TBSCertificate');
  const fields = childrenOf(der, tbs);
  const at = fields[0]?.tag === 0xa0 ? 1 : 0; // [0] version is optional (v1 certificates omit it)
  const [serial, , issuer, , subject] = fields.slice(at);
  if (!serial || serial.tag !== 0x02 || !issuer || !subject) throw new DerError('TBSCertificate is incomplete');
  return { serial: serialHex(der.subarray(serial.body, serial.end)), issuer: parseName(der, issuer), subject: parseName(der, subject) };
}

// ---------------------------------------------------------------------------------------------------------------
// Keys

const CURVES: Record<string, { name: string; bits: number }> = {
  prime256v1: { name: 'P-256', bits: 256 },
  secp384r1: { name: 'P-384', bits: 384 },
  secp521r1: { name: 'P-521', bits: 521 },
};

const MIN_RSA_BITS = 2048;

export interface KeyFacts {
  /** RSA | EC, or the upper-cased key type for keys ddlocal refuses (ED25519, DSA, …). */
  algorithm: string;
  /** RSA modulus bits or EC field bits; 0 when unknown. */
  size: number;
  curve: string | null;
  /** Lower-case hex of the RSA modulus without leading zeros. */
  modulus: string | null;
}

export function keyFacts(key: KeyObject): KeyFacts {
  const type = key.asymmetricKeyType ?? 'unknown';
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'rsa' || type === 'rsa-pss') {
    const n = key.export({ format: 'jwk' }).n ?? '';
    const modulus = Buffer.from(n, 'base64url').toString('hex').replace(/^0+/, '');
    return { algorithm: 'RSA', size: details.modulusLength ?? 0, curve: null, modulus };
  }
  if (type === 'ec') {
    const named = details.namedCurve ?? 'unknown';
    const curve = CURVES[named];
    return { algorithm: 'EC', size: curve?.bits ?? 0, curve: curve?.name ?? named, modulus: null };
  }
  return { algorithm: type.toUpperCase(), size: 0, curve: null, modulus: null };
}

/** The reason a key breaks the key rules (docs/decisions.md#a17, #r3), or undefined when it is acceptable. */
export function keyRuleViolation(key: KeyFacts): string | undefined {
  if (key.algorithm === 'RSA')
    return key.size >= MIN_RSA_BITS ? undefined : `an RSA key of ${key.size} bits; RSA keys need at least ${MIN_RSA_BITS} bits`;
  if (key.algorithm === 'EC')
    return key.curve !== null && Object.values(CURVES).some((c) => c.name === key.curve)
      ? undefined
      : `an EC key on curve ${key.curve}; only P-256, P-384 and P-521 are accepted`;
  return `a ${key.algorithm} key; only RSA (at least ${MIN_RSA_BITS} bits) and EC (P-256, P-384, P-521) keys are accepted`;
}

// ---------------------------------------------------------------------------------------------------------------
// Certificates

export interface ParsedCertificate {
  /** Lower-case hex SHA-256 of the DER (docs/decisions.md#m19). */
  id: string;
  der: Buffer;
  /** Canonical PEM of the DER (one block, 64-character lines). */
  pem: string;
  facts: CertificateFacts;
  key: KeyFacts;
  subjectAttributes: NameAttribute[];
  /** OpenSSL's view, for signature checks. */
  node: NodeCertificate;
}

function extensionFacts(cert: px.X509Certificate): Pick<CertificateFacts, 'crl_urls' | 'is_ca' | 'subject_key_id' | 'authority_key_id'> {
  const crl = cert.getExtension(px.CRLDistributionPointsExtension);
  const urls: string[] = [];
  for (const point of crl?.distributionPoints ?? [])
    for (const name of point.distributionPoint?.fullName ?? []) if (name.uniformResourceIdentifier) urls.push(name.uniformResourceIdentifier);
  const ski = cert.getExtension(px.SubjectKeyIdentifierExtension);
  const aki = cert.getExtension(px.AuthorityKeyIdentifierExtension);
  return {
    crl_urls: JSON.stringify(urls),
    is_ca: cert.getExtension(px.BasicConstraintsExtension)?.ca ? 1 : 0,
    subject_key_id: ski?.keyId?.toLowerCase() ?? null,
    authority_key_id: aki?.keyId?.toLowerCase() ?? null,
  };
}

/**
 * Parses the one certificate of a PEM text. Format problems → CertificateValidationException naming `what` (the
 * input member). Key rules are not applied here; see parseAcceptableCertificate.
 */
export function parseCertificate(pem: string, what: string): ParsedCertificate {
  const der = singleCertificateDer(pem, what);
  let node: NodeCertificate;
  let tbs: TbsFields;
  let decoded: px.X509Certificate;
  let extensions: ReturnType<typeof extensionFacts>;
  try {
    node = new NodeCertificate(der);
    tbs = readTbs(der);
    decoded = new px.X509Certificate(new Uint8Array(der));
    extensions = extensionFacts(decoded);
  } catch {
    throw certificateValidation(`${what} is not a valid X.509 certificate`);
  }
  let key: KeyFacts;
  try {
    key = keyFacts(node.publicKey);
  } catch {
    throw certificateValidation(`The public key of the certificate in ${what} cannot be read`);
  }
  const facts: CertificateFacts = {
    certificate_pem: toPem(der),
    subject: tbs.subject.rfc4514,
    issuer: tbs.issuer.rfc4514,
    serial_number: tbs.serial,
    not_before: decoded.notBefore.getTime(),
    not_after: decoded.notAfter.getTime(),
    key_algorithm: key.algorithm,
    key_size: key.size,
    key_curve: key.curve,
    rsa_modulus: key.modulus,
    ...extensions,
  };
  const id = createHash('sha256').update(der).digest('hex');
  return { id, der, pem: facts.certificate_pem, facts, key, subjectAttributes: tbs.subject.attributes, node };
}

/** parseCertificate plus the key rules: what every registration and creation path stores. */
export function parseAcceptableCertificate(pem: string, what: string): ParsedCertificate {
  const cert = parseCertificate(pem, what);
  const violation = keyRuleViolation(cert.key);
  if (violation) throw certificateValidation(`The certificate in ${what} has ${violation}`);
  return cert;
}

/** The values of the subject's common name (CN) attributes, in encoding order. */
export function commonNames(cert: ParsedCertificate): string[] {
  return cert.subjectAttributes.filter((a) => a.oid === '2.5.4.3').map((a) => a.value ?? '');
}

/** True when `cert` carries a signature made with the key of `issuer` (names are not compared here). */
export function isSignedBy(cert: ParsedCertificate, issuer: ParsedCertificate): boolean {
  try {
    return cert.node.verify(issuer.node.publicKey);
  } catch {
    return false;
  }
}
