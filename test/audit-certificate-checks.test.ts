// Certificate validity and key-quality checks: CA/device expiring, device age, CA/device key quality — over
// certificates registered through the SDK with real keys, on both stores; plus unit tests of the ROCA detector and the
// CVE-2008-0166 fingerprint.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  GetRegistrationCodeCommand,
  RegisterCACertificateCommand,
  RegisterCertificateCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { forEachStore, type TestServer } from './helpers/server.js';
import {
  daysFromNow,
  makeCa,
  makeCertificate,
  makeDeviceCertificate,
  makeEcCertificate,
  makeKey,
  makeRocaKey,
  makeVerificationCertificate,
  type TestCertificate,
} from './helpers/certs.js';
import { tempDir } from './helpers/temp-dir.js';
import type { AuditCheck } from '../src/audit/checks/check.js';
import { AUDIT_CHECKS } from '../src/audit/checks/index.js';
import { caCertificateExpiringCheck } from '../src/audit/checks/ca-certificate-expiring.js';
import { deviceCertificateExpiringCheck } from '../src/audit/checks/device-certificate-expiring.js';
import { deviceCertificateAgeCheck } from '../src/audit/checks/device-certificate-age.js';
import { caCertificateKeyQualityCheck } from '../src/audit/checks/ca-certificate-key-quality.js';
import { deviceCertificateKeyQualityCheck } from '../src/audit/checks/device-certificate-key-quality.js';
import { isRocaVulnerable, ROCA_PRIMES } from '../src/audit/analysis/roca.js';
import { parseBlocklist, weakKeyFingerprint } from '../src/audit/analysis/weak-keys.js';
import { evaluated, type EvaluatedCheck } from './helpers/check-results.js';

const REGION = 'us-east-1';
const DAY = 86_400_000;

/** openssl's own `-modulus` line hashed the documented way: an independent reference for the fingerprint. */
function opensslFingerprint(pem: string): string {
  const line = execFileSync('openssl', ['x509', '-noout', '-modulus'], { input: pem });
  return createHash('sha1').update(line).digest('hex').slice(-20);
}

async function modulusOf(cert: TestCertificate): Promise<string> {
  const jwk = await crypto.subtle.exportKey('jwk', cert.key.keys.publicKey);
  return Buffer.from(jwk.n!, 'base64url').toString('hex');
}

describe('ROCA detector and weak-key fingerprint (unit)', () => {
  test('the detector uses the 38 primes 3..167', () => {
    assert.equal(ROCA_PRIMES.length, 38);
    assert.equal(ROCA_PRIMES[0], 3);
    assert.equal(ROCA_PRIMES.at(-1), 167);
  });

  test('a modulus built from ROCA-structured primes is detected; random RSA moduli are not', async () => {
    const roca = await makeRocaKey();
    assert.equal(isRocaVulnerable(roca.modulusHex), true);
    assert.equal(isRocaVulnerable(roca.modulusHex.toUpperCase()), true);
    for (let i = 0; i < 3; i++) {
      const cert = await makeCertificate({ key: { type: 'RSA' } });
      assert.equal(isRocaVulnerable(await modulusOf(cert)), false);
    }
    // One residue off the subgroup breaks the fingerprint: n + M' (M' = product of all test primes but 167) keeps every
    // other residue and moves the one modulo 167.
    const others = ROCA_PRIMES.slice(0, -1).reduce((a, p) => a * BigInt(p), 1n);
    const powers = new Set<bigint>();
    for (let x = 1n; !powers.has(x); x = (x * 65537n) % 167n) powers.add(x);
    const n = BigInt(`0x${roca.modulusHex}`);
    let c = 1n;
    while (powers.has((n + c * others) % 167n)) c++;
    assert.equal(isRocaVulnerable((n + c * others).toString(16)), false);
  });

  test('the fingerprint equals SHA-1 of openssl -modulus output, last 20 hex digits', async () => {
    const cert = await makeCertificate({ key: { type: 'RSA' } });
    assert.equal(weakKeyFingerprint(await modulusOf(cert)), opensslFingerprint(cert.pem));
    assert.equal(weakKeyFingerprint(`00${await modulusOf(cert)}`), opensslFingerprint(cert.pem));
  });

  test('blocklist files: comments, blank lines and junk are ignored, fingerprints are lower-cased', () => {
    const set = parseBlocklist('# openssl-blacklist\n\nABCDEF0123456789ABCD\n0123456789abcdef0123 # trailing\nnot-a-line\n');
    assert.deepEqual([...set].sort(), ['0123456789abcdef0123', 'abcdef0123456789abcd']);
  });
});

forEachStore('certificate checks', (suite) => {
  let server: TestServer;
  let account = 200000000000;
  let iot: IoTClient;
  let accountId: string;
  before(() => ({ server } = suite));

  const fresh = () => {
    accountId = String(++account);
    iot = server.iot(accountId, REGION);
  };
  const run = (check: AuditCheck, now: number, configuration: Record<string, string> = {}): Promise<EvaluatedCheck> =>
    server.store.transaction((db) => check.run({ db, accountId, region: REGION, now, configuration })).then(evaluated);

  async function registerCa(ca: TestCertificate, active = true): Promise<string> {
    const { registrationCode } = await iot.send(new GetRegistrationCodeCommand({}));
    const verification = await makeVerificationCertificate(ca, registrationCode!);
    const out = await iot.send(
      new RegisterCACertificateCommand({ caCertificate: ca.pem, verificationCertificate: verification.pem, setAsActive: active }),
    );
    return out.certificateId!;
  }
  async function registerDevice(ca: TestCertificate, cert: TestCertificate, status: 'ACTIVE' | 'INACTIVE' | 'REVOKED' = 'ACTIVE') {
    const out = await iot.send(new RegisterCertificateCommand({ certificatePem: cert.pem, caCertificatePem: ca.pem, status }));
    return out.certificateId!;
  }
  const ids = (r: EvaluatedCheck) => r.findings.map((f) => Object.values(f.nonCompliantResource.resourceIdentifier)[0]);

  test('the five checks are catalogued with their severities', () => {
    const expected: [AuditCheck, string][] = [
      [caCertificateExpiringCheck, 'MEDIUM'],
      [deviceCertificateExpiringCheck, 'MEDIUM'],
      [deviceCertificateAgeCheck, 'LOW'],
      [caCertificateKeyQualityCheck, 'CRITICAL'],
      [deviceCertificateKeyQualityCheck, 'CRITICAL'],
    ];
    for (const [check, severity] of expected) {
      assert.equal(AUDIT_CHECKS.get(check.name), check);
      assert.equal(check.severity, severity);
    }
  });

  test('DEVICE_CERTIFICATE_EXPIRING_CHECK: past and approaching within the threshold, in-scope statuses only', async () => {
    fresh();
    const now = Date.now();
    const ca = await makeCa({ notAfter: daysFromNow(3000, now) });
    await registerCa(ca);
    const mk = (days: number) => makeDeviceCertificate(ca, { notBefore: daysFromNow(-500, now), notAfter: daysFromNow(days, now) });
    const [past, soon, in40, later, inactivePast] = await Promise.all([mk(-5), mk(10), mk(40), mk(200), mk(-5)]);
    const pastId = await registerDevice(ca, past);
    const soonId = await registerDevice(ca, soon);
    const in40Id = await registerDevice(ca, in40);
    await registerDevice(ca, later);
    await registerDevice(ca, inactivePast, 'INACTIVE');

    const byDefault = await run(deviceCertificateExpiringCheck, now);
    assert.equal(byDefault.checked, 4);
    assert.deepEqual(new Set(ids(byDefault)), new Set([pastId, soonId]));
    const pastFinding = byDefault.findings.find((f) => f.nonCompliantResource.resourceIdentifier.deviceCertificateId === pastId)!;
    assert.deepEqual(pastFinding.nonCompliantResource, {
      resourceType: 'DEVICE_CERTIFICATE',
      resourceIdentifier: { deviceCertificateId: pastId },
      additionalInfo: { EXPIRATION_TIME: String(past.cert.notAfter.getTime()) },
    });
    assert.equal(pastFinding.reasonForNonComplianceCode, 'CERTIFICATE_PAST_EXPIRATION');
    assert.equal(pastFinding.reasonForNonCompliance, 'Certificate is past its expiration.');
    const soonFinding = byDefault.findings.find((f) => f.nonCompliantResource.resourceIdentifier.deviceCertificateId === soonId)!;
    assert.equal(soonFinding.reasonForNonComplianceCode, 'CERTIFICATE_APPROACHING_EXPIRATION');
    assert.equal(soonFinding.reasonForNonCompliance, 'Certificate expires in 10 days, within the threshold of 30 days.');

    const configured = await run(deviceCertificateExpiringCheck, now, { CERT_EXPIRATION_THRESHOLD_IN_DAYS: '60' });
    assert.deepEqual(new Set(ids(configured)), new Set([pastId, soonId, in40Id]));
  });

  test('expiry boundaries: notAfter = now is past; notAfter = now + T days is approaching; one ms later is compliant', async () => {
    fresh();
    const ca = await makeCa({ notAfter: daysFromNow(3000) });
    await registerCa(ca);
    const cert = await makeDeviceCertificate(ca, { notAfter: daysFromNow(50) });
    await registerDevice(ca, cert);
    const notAfter = cert.cert.notAfter.getTime();
    const atExpiry = await run(deviceCertificateExpiringCheck, notAfter);
    assert.equal(atExpiry.findings[0]?.reasonForNonComplianceCode, 'CERTIFICATE_PAST_EXPIRATION');
    const justBefore = await run(deviceCertificateExpiringCheck, notAfter - 1);
    assert.equal(justBefore.findings[0]?.reasonForNonComplianceCode, 'CERTIFICATE_APPROACHING_EXPIRATION');
    assert.equal((await run(deviceCertificateExpiringCheck, notAfter - 30 * DAY)).findings.length, 1);
    assert.equal((await run(deviceCertificateExpiringCheck, notAfter - 30 * DAY - 1)).findings.length, 0);
  });

  test('CA_CERTIFICATE_EXPIRING_CHECK: fixed 30 days over ACTIVE CA certificates', async () => {
    fresh();
    const now = Date.now();
    const soon = await makeCa({ notAfter: daysFromNow(20, now) });
    const in45 = await makeCa({ notAfter: daysFromNow(45, now) });
    const inactiveSoon = await makeCa({ notAfter: daysFromNow(5, now) });
    const soonId = await registerCa(soon);
    await registerCa(in45);
    await registerCa(inactiveSoon, false);
    // The device threshold configuration is not the CA check's: still 30 days.
    const result = await run(caCertificateExpiringCheck, now, { CERT_EXPIRATION_THRESHOLD_IN_DAYS: '60' });
    assert.equal(result.checked, 2);
    assert.deepEqual(result.findings, [
      {
        nonCompliantResource: {
          resourceType: 'CA_CERTIFICATE',
          resourceIdentifier: { caCertificateId: soonId },
          additionalInfo: { EXPIRATION_TIME: String(soon.cert.notAfter.getTime()) },
        },
        reasonForNonComplianceCode: 'CERTIFICATE_APPROACHING_EXPIRATION',
        reasonForNonCompliance: 'Certificate expires in 20 days, within the threshold of 30 days.',
      },
    ]);
    const later = await run(caCertificateExpiringCheck, soon.cert.notAfter.getTime() + 1);
    assert.equal(later.findings.find((f) => f.nonCompliantResource.resourceIdentifier.caCertificateId === soonId)?.reasonForNonComplianceCode, 'CERTIFICATE_PAST_EXPIRATION');
  });

  test('DEVICE_CERTIFICATE_AGE_CHECK: age from notBefore, default 365 days, configurable, boundary inclusive', async () => {
    fresh();
    const now = Date.now();
    const ca = await makeCa({ notBefore: daysFromNow(-1000, now), notAfter: daysFromNow(3000, now) });
    await registerCa(ca);
    const old = await makeDeviceCertificate(ca, { notBefore: daysFromNow(-400, now), notAfter: daysFromNow(400, now) });
    const young = await makeDeviceCertificate(ca, { notBefore: daysFromNow(-100, now), notAfter: daysFromNow(400, now) });
    const revokedOld = await makeDeviceCertificate(ca, { notBefore: daysFromNow(-400, now), notAfter: daysFromNow(400, now) });
    const oldId = await registerDevice(ca, old);
    const youngId = await registerDevice(ca, young);
    await registerDevice(ca, revokedOld, 'REVOKED');

    const byDefault = await run(deviceCertificateAgeCheck, now);
    assert.equal(byDefault.checked, 2);
    assert.deepEqual(byDefault.findings, [
      {
        nonCompliantResource: {
          resourceType: 'DEVICE_CERTIFICATE',
          resourceIdentifier: { deviceCertificateId: oldId },
          additionalInfo: { NOT_BEFORE_TIME: String(old.cert.notBefore.getTime()) },
        },
        reasonForNonComplianceCode: 'CERTIFICATE_PAST_AGE_THRESHOLD',
        reasonForNonCompliance: 'Certificate is 400 days old, which reaches the threshold of 365 days.',
      },
    ]);
    const configured = await run(deviceCertificateAgeCheck, now, { CERT_AGE_THRESHOLD_IN_DAYS: '90' });
    assert.deepEqual(new Set(ids(configured)), new Set([oldId, youngId]));
    const youngBirth = young.cert.notBefore.getTime();
    assert.deepEqual(ids(await run(deviceCertificateAgeCheck, youngBirth + 100 * DAY, { CERT_AGE_THRESHOLD_IN_DAYS: '100' })).includes(youngId), true);
    assert.deepEqual(ids(await run(deviceCertificateAgeCheck, youngBirth + 100 * DAY - 1, { CERT_AGE_THRESHOLD_IN_DAYS: '100' })).includes(youngId), false);
  });

  test('DEVICE_CERTIFICATE_KEY_QUALITY_CHECK: ROCA key found, ordinary RSA and EC keys compliant', async () => {
    fresh();
    const ca = await makeCa();
    await registerCa(ca);
    const roca = await makeDeviceCertificate(ca, { key: await makeRocaKey() });
    const rocaId = await registerDevice(ca, roca);
    await registerDevice(ca, await makeDeviceCertificate(ca, { key: { type: 'RSA' } }));
    await registerDevice(ca, await makeEcCertificate(ca));
    await registerDevice(ca, await makeDeviceCertificate(ca, { key: await makeRocaKey() }), 'INACTIVE');
    const result = await run(deviceCertificateKeyQualityCheck, Date.now());
    assert.equal(result.checked, 3);
    assert.deepEqual(result.findings, [
      {
        nonCompliantResource: { resourceType: 'DEVICE_CERTIFICATE', resourceIdentifier: { deviceCertificateId: rocaId } },
        reasonForNonComplianceCode: 'CERTIFICATE_KEY_VULNERABILITY_CVE-2017-15361',
        reasonForNonCompliance: 'Certificate key is vulnerable to CVE-2017-15361 (ROCA).',
      },
    ]);
  });

  test('key quality: a blocklisted modulus is a CVE-2008-0166 finding; a ROCA key on the list gets both codes', async () => {
    fresh();
    const ca = await makeCa();
    await registerCa(ca);
    const weak = await makeDeviceCertificate(ca, { key: { type: 'RSA' } });
    const both = await makeDeviceCertificate(ca, { key: await makeRocaKey() });
    const weakId = await registerDevice(ca, weak);
    const bothId = await registerDevice(ca, both);
    const dir = tempDir('ddlocal-blocklist-');
    const list = join(dir, 'blacklist.RSA-2048');
    writeFileSync(list, `# test list\n${opensslFingerprint(weak.pem)}\n${opensslFingerprint(both.pem)}\n`);
    // The server's DDLOCAL_WEAK_KEY_BLOCKLISTS setting reaches the check as its weakKeyBlocklists.
    const runWithBlocklists = (paths: string[]) =>
      server.store.transaction((db) =>
        deviceCertificateKeyQualityCheck.run({ db, accountId, region: REGION, now: Date.now(), configuration: {}, weakKeyBlocklists: paths }),
      ).then(evaluated);
    const result = await runWithBlocklists([list]);
    const got = result.findings.map((f) => `${f.nonCompliantResource.resourceIdentifier.deviceCertificateId} ${f.reasonForNonComplianceCode}`).sort();
    assert.deepEqual(
      got,
      [
        `${weakId} CERTIFICATE_KEY_VULNERABILITY_CVE-2008-0166`,
        `${bothId} CERTIFICATE_KEY_VULNERABILITY_CVE-2008-0166`,
        `${bothId} CERTIFICATE_KEY_VULNERABILITY_CVE-2017-15361`,
      ].sort(),
    );
    assert.equal(
      result.findings.find((f) => f.reasonForNonComplianceCode === 'CERTIFICATE_KEY_VULNERABILITY_CVE-2008-0166')?.reasonForNonCompliance,
      'Certificate key is a known Debian weak key (CVE-2008-0166).',
    );
    // A configured list that cannot be read fails the check visibly instead of passing it.
    await assert.rejects(runWithBlocklists([join(dir, 'missing')]), (err: { errorCode?: string; message: string }) => {
      assert.equal(err.errorCode, 'DATA_UNAVAILABLE');
      assert.match(err.message, /missing/);
      return true;
    });
  });

  test('CA_CERTIFICATE_KEY_QUALITY_CHECK: an ACTIVE CA with a ROCA key; INACTIVE and EC CAs are not findings', async () => {
    fresh();
    const rocaCa = await makeCa({ key: await makeRocaKey() });
    const rocaInactive = await makeCa({ key: await makeRocaKey() });
    const ecCa = await makeCa({ key: await makeKey({ type: 'EC' }) });
    const rocaId = await registerCa(rocaCa);
    await registerCa(rocaInactive, false);
    await registerCa(ecCa);
    const result = await run(caCertificateKeyQualityCheck, Date.now());
    assert.equal(result.checked, 2);
    assert.deepEqual(result.findings, [
      {
        nonCompliantResource: { resourceType: 'CA_CERTIFICATE', resourceIdentifier: { caCertificateId: rocaId } },
        reasonForNonComplianceCode: 'CERTIFICATE_KEY_VULNERABILITY_CVE-2017-15361',
        reasonForNonCompliance: 'Certificate key is vulnerable to CVE-2017-15361 (ROCA).',
      },
    ]);
  });
});
