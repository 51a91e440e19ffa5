// Fast, real X.509 material for the audit benchmark. A registry of 10^5 certificates cannot be built with a
// general-purpose certificate library in reasonable time, so device certificates are encoded here with a minimal DER
// writer and signed for real (ECDSA P-256, node:crypto) by the benchmark's CA. Subject keys come from a small pool of
// real key pairs (RSA 2048, EC P-256, and RSA keys with the ROCA fingerprint), as in a fleet provisioned in batches.
// Every certificate is a valid X.509 v3 certificate that ddlocal's own parser and RegisterCertificate accept.
import { checkPrimeSync, createHash, createPrivateKey, generateKeyPair, randomBytes, sign, webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import * as px from '@peculiar/x509';

px.cryptoProvider.set(webcrypto);
const subtle = webcrypto.subtle;
const generateKeyPairAsync = promisify(generateKeyPair);

// ---------------------------------------------------------------------------------------------------------------
// DER writer

function len(n) {
  if (n < 0x80) return Buffer.from([n]);
  const bytes = [];
  while (n > 0) {
    bytes.unshift(n & 0xff);
    n = Math.floor(n / 256);
  }
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag, ...parts) => {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
};
const seq = (...parts) => tlv(0x30, ...parts);
const set = (...parts) => tlv(0x31, ...parts);
/** A non-negative INTEGER from hex (sign byte added when the high bit is set). */
function intHex(hex) {
  let b = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  b = b.subarray(i);
  if (b[0] & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}
function oid(dotted) {
  const arcs = dotted.split('.').map(Number);
  const out = [arcs[0] * 40 + arcs[1]];
  for (const arc of arcs.slice(2)) {
    const bytes = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) bytes.unshift((v & 0x7f) | 0x80);
    out.push(...bytes);
  }
  return tlv(0x06, Buffer.from(out));
}
const utf8 = (s) => tlv(0x0c, Buffer.from(s, 'utf8'));
const bitString = (bytes) => tlv(0x03, Buffer.from([0]), bytes);
const octets = (bytes) => tlv(0x04, bytes);
function time(ms) {
  const iso = new Date(ms).toISOString(); // 2025-01-02T03:04:05.000Z
  const digits = iso.slice(0, 19).replace(/[-:T]/g, '');
  const year = Number(iso.slice(0, 4));
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
  return year < 2050 ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${digits}Z`));
}
const OID = { CN: '2.5.4.3', O: '2.5.4.10', ecdsaSha256: '1.2.840.10045.4.3.2', rsa: '1.2.840.113549.1.1.1' };
/** A Name of (type, value) pairs, most general first. */
const name = (pairs) => seq(...pairs.map(([t, v]) => set(seq(oid(OID[t]), utf8(v)))));
const ECDSA_SHA256 = seq(oid(OID.ecdsaSha256));

function extension(id, critical, value) {
  return seq(oid(id), ...(critical ? [tlv(0x01, Buffer.from([0xff]))] : []), octets(value));
}
const keyId = (spki) => createHash('sha1').update(subjectPublicKeyBits(spki)).digest();
/** Reads the TLV at `at`: { body, end } offsets. */
function readTlv(buf, at) {
  let length = buf[at + 1];
  let body = at + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + buf[body + i];
    body += n;
  }
  return { body, end: body + length };
}
/** The subjectPublicKey BIT STRING content of an SPKI (without the unused-bits byte): what key ids hash (RFC 5280). */
function subjectPublicKeyBits(spki) {
  const outer = readTlv(spki, 0);
  const algorithm = readTlv(spki, outer.body);
  const bits = readTlv(spki, algorithm.end);
  return spki.subarray(bits.body + 1, bits.end);
}

/**
 * A DER certificate signed by `issuer` ({ name: pairs, key: node private KeyObject, spki }): subject pairs, subject
 * SPKI (DER), serial (hex), validity (epoch ms), optional CRL distribution point URLs.
 */
export function encodeCertificate({ serialHex, issuer, subject, spki, notBefore, notAfter, isCa = false, crlUrls = [] }) {
  const extensions = [
    extension('2.5.29.19', true, isCa ? seq(tlv(0x01, Buffer.from([0xff]))) : seq()),
    extension('2.5.29.14', false, octets(keyId(spki))),
    extension('2.5.29.35', false, seq(tlv(0x80, keyId(issuer.spki)))),
  ];
  if (crlUrls.length)
    extensions.push(
      extension('2.5.29.31', false, seq(...crlUrls.map((u) => seq(tlv(0xa0, tlv(0xa0, tlv(0x86, Buffer.from(u)))))))),
    );
  const tbs = seq(
    tlv(0xa0, intHex('2')),
    intHex(serialHex),
    ECDSA_SHA256,
    name(issuer.name),
    seq(time(notBefore), time(notAfter)),
    name(subject),
    spki,
    tlv(0xa3, seq(...extensions)),
  );
  const signature = sign('sha256', tbs, issuer.key);
  return seq(tbs, ECDSA_SHA256, bitString(signature));
}

export const pemOf = (der) =>
  `-----BEGIN CERTIFICATE-----\n${der.toString('base64').match(/.{1,64}/g).join('\n')}\n-----END CERTIFICATE-----\n`;

/** 16 random bytes, positive, as most CAs issue them. */
export function randomSerial() {
  const b = randomBytes(16);
  b[0] = (b[0] & 0x7f) | 0x40;
  return b.toString('hex');
}

// ---------------------------------------------------------------------------------------------------------------
// Keys

/** A CA: an ECDSA P-256 key (WebCrypto, so @peculiar/x509 can sign CRLs with it) and its self-signed certificate. */
export async function makeCa(commonName) {
  const keys = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const spki = Buffer.from(await subtle.exportKey('spki', keys.publicKey));
  const key = createPrivateKey({ key: Buffer.from(await subtle.exportKey('pkcs8', keys.privateKey)), format: 'der', type: 'pkcs8' });
  const pairs = [['O', 'ddlocal bench'], ['CN', commonName]];
  const self = { name: pairs, key, spki };
  const now = Date.now();
  const der = encodeCertificate({ serialHex: randomSerial(), issuer: self, subject: pairs, spki, notBefore: now - 400 * 86_400_000, notAfter: now + 3650 * 86_400_000, isCa: true });
  return { ...self, keys, der, pem: pemOf(der), id: createHash('sha256').update(der).digest('hex') };
}

/** A certificate with subject CN=<registrationCode> signed by `ca` (RegisterCACertificate's proof of possession). */
export function verificationCertificate(ca, registrationCode, subjectSpki) {
  const now = Date.now();
  const der = encodeCertificate({ serialHex: randomSerial(), issuer: ca, subject: [['CN', registrationCode]], spki: subjectSpki, notBefore: now - 86_400_000, notAfter: now + 30 * 86_400_000 });
  return pemOf(der);
}

export async function rsaSpki(bits = 2048) {
  const { publicKey } = await generateKeyPairAsync('rsa', { modulusLength: bits });
  return publicKey.export({ type: 'spki', format: 'der' });
}

export async function ecSpki() {
  const { publicKey } = await generateKeyPairAsync('ec', { namedCurve: 'prime256v1' });
  return publicKey.export({ type: 'spki', format: 'der' });
}

// ROCA (CVE-2017-15361): primes of the form k·M + (65537^a mod M), M the primorial of the first 39 primes, as the
// vulnerable Infineon library generated them. Only the public modulus matters to the audit, so only the SPKI is built.
const ROCA_PRIMES = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167];
const ROCA_M = ROCA_PRIMES.reduce((m, p) => m * BigInt(p), 1n);
function modPow(b, e, m) {
  let r = 1n;
  b %= m;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}
const randomBig = (bits) => BigInt(`0x${randomBytes(Math.ceil(bits / 8)).toString('hex')}`) & ((1n << BigInt(bits)) - 1n);
function rocaPrime(bits) {
  const lo = (3n << BigInt(bits - 2)) / ROCA_M + 1n;
  const hi = (1n << BigInt(bits)) / ROCA_M - 1n;
  for (;;) {
    const k = lo + (randomBig(bits) % (hi - lo));
    const p = k * ROCA_M + modPow(65537n, randomBig(64), ROCA_M);
    if ((p - 1n) % 65537n !== 0n && checkPrimeSync(p)) return p;
  }
}
export function rocaSpki(bits = 2048) {
  const p = rocaPrime(bits / 2);
  let q = rocaPrime(bits / 2);
  while (q === p) q = rocaPrime(bits / 2);
  const n = (p * q).toString(16);
  const rsaKey = seq(intHex(n), intHex('010001'));
  return seq(seq(oid(OID.rsa), tlv(0x05)), bitString(rsaKey));
}

/** A CRL of `ca` revoking `serials` (hex), PEM. */
export async function makeCrl(ca, serials) {
  const crl = await px.X509CrlGenerator.create({
    issuer: new px.X509Certificate(ca.der).subjectName,
    thisUpdate: new Date(Date.now() - 3_600_000),
    nextUpdate: new Date(Date.now() + 7 * 86_400_000),
    entries: serials.map((serialNumber) => ({ serialNumber, revocationDate: new Date(Date.now() - 86_400_000) })),
    signingKey: ca.keys.privateKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  return crl.toString('pem');
}
