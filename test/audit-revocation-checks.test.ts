// Revocation checks (docs/decisions.md#a13, #a33, #a36): the CRL registration endpoint, and the device, CA and
// intermediate-CA revocation checks over real certificates and real signed CRLs — registered through the extension API,
// served by a local HTTP server, or read from file: URLs — on both stores.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DeleteCACertificateCommand,
  DescribeAuditTaskCommand,
  GetRegistrationCodeCommand,
  ListAuditFindingsCommand,
  RegisterCACertificateCommand,
  RegisterCertificateCommand,
  RegisterCertificateWithoutCACommand,
  StartOnDemandAuditTaskCommand,
  UpdateAccountAuditConfigurationCommand,
  UpdateCACertificateCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { forEachStore, type TestServer } from './helpers/server.js';
import { makeCa, makeCrl, makeDeviceCertificate, makeVerificationCertificate, type TestCertificate } from './helpers/certs.js';
import { tempDir } from './helpers/temp-dir.js';
import type { AuditCheck, CheckResult } from '../src/audit/checks/check.js';
import { AUDIT_CHECKS } from '../src/audit/checks/index.js';
import { revokedDeviceCertificateStillActiveCheck } from '../src/audit/checks/revoked-device-certificate-still-active.js';
import { revokedCaCertificateStillActiveCheck } from '../src/audit/checks/revoked-ca-certificate-still-active.js';
import { intermediateCaRevokedForActiveDeviceCertificatesCheck } from '../src/audit/checks/intermediate-ca-revoked-for-active-device-certificates.js';
import { evaluated, type EvaluatedCheck } from './helpers/check-results.js';

const REGION = 'us-east-1';

/** A local CRL distribution point: serves registered bodies, counts requests per path. */
class CrlServer {
  private bodies = new Map<string, { status: number; body: string | Buffer }>();
  readonly hits = new Map<string, number>();
  private server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
    const entry = this.bodies.get(path) ?? { status: 404, body: 'not found' };
    res.writeHead(entry.status, { 'content-type': 'application/pkix-crl' });
    res.end(entry.body);
  });
  base = '';
  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  serve(path: string, body: string | Buffer, status = 200): string {
    this.bodies.set(path, { status, body });
    return `${this.base}${path}`;
  }
  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** DER bytes of a PEM CRL, as distribution points usually serve them. */
const derOf = (pem: string) => Buffer.from(pem.replace(/-----[A-Z0-9 ]+-----/g, '').replace(/\s+/g, ''), 'base64');

forEachStore('revocation checks', (suite) => {
  let server: TestServer;
  const crlServer = new CrlServer();
  let account = 300000000000;
  let iot: IoTClient;
  let accountId: string;
  let now = Date.now();
  before(async () => {
    ({ server } = suite);
    await crlServer.start();
  });
  after(() => crlServer.stop());

  const fresh = () => {
    accountId = String(++account);
    iot = server.iot(accountId, REGION);
    // A new evaluation instant per test: fetch caching is per (account, region, task start).
    now = Date.now() + account;
  };
  const run = (check: AuditCheck, at = now): Promise<EvaluatedCheck> =>
    server.store.transaction((db) => check.run({ db, accountId, region: REGION, now: at, configuration: {} })).then(evaluated);
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `AWS4-HMAC-SHA256 Credential=${accountId}/20300101/${REGION}/iot/aws4_request, SignedHeaders=host, Signature=x` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
  async function registerCa(ca: TestCertificate, active = true): Promise<string> {
    const { registrationCode } = await iot.send(new GetRegistrationCodeCommand({}));
    const verification = await makeVerificationCertificate(ca, registrationCode!);
    const out = await iot.send(new RegisterCACertificateCommand({ caCertificate: ca.pem, verificationCertificate: verification.pem, setAsActive: active }));
    return out.certificateId!;
  }
  async function registerDevice(ca: TestCertificate, cert: TestCertificate, status: 'ACTIVE' | 'INACTIVE' = 'ACTIVE') {
    return (await iot.send(new RegisterCertificateCommand({ certificatePem: cert.pem, caCertificatePem: ca.pem, status }))).certificateId!;
  }
  async function dataUnavailable(check: AuditCheck): Promise<{ message: string; partial: CheckResult }> {
    try {
      await run(check);
    } catch (err) {
      const e = err as { errorCode?: string; message: string; partial: CheckResult };
      assert.equal(e.errorCode, 'DATA_UNAVAILABLE', e.message);
      return e;
    }
    throw new Error(`${check.name} was expected to fail with DATA_UNAVAILABLE`);
  }

  test('the three checks are catalogued with their severities', () => {
    for (const [check, severity] of [
      [revokedDeviceCertificateStillActiveCheck, 'MEDIUM'],
      [revokedCaCertificateStillActiveCheck, 'CRITICAL'],
      [intermediateCaRevokedForActiveDeviceCertificatesCheck, 'CRITICAL'],
    ] as const) {
      assert.equal(AUDIT_CHECKS.get(check.name), check);
      assert.equal(check.severity, severity);
    }
  });

  test('PUT/GET/DELETE /_ddlocal/crls/{caCertificateId}: validation, storage, replacement, removal', async () => {
    fresh();
    const ca = await makeCa();
    const other = await makeCa({ subject: ca.subject }); // same name, different key
    const caId = await registerCa(ca);
    const unregistered = await makeCa();

    const notRegistered = await call('PUT', `/_ddlocal/crls/${unregistered.id}`, { crl: await makeCrl(unregistered, []) });
    assert.equal(notRegistered.status, 400);
    assert.equal(notRegistered.json.__type, 'InvalidRequestException');
    assert.match(notRegistered.json.message, new RegExp(`${unregistered.id} is not registered`));

    const forged = await call('PUT', `/_ddlocal/crls/${caId}`, { crl: await makeCrl(other, ['0a']) });
    assert.equal(forged.status, 400);
    assert.match(forged.json.message, /signature does not verify/);
    const wrongIssuer = await call('PUT', `/_ddlocal/crls/${caId}`, { crl: await makeCrl(unregistered, ['0a']) });
    assert.equal(wrongIssuer.status, 400);
    assert.match(wrongIssuer.json.message, /is issued by/);
    const garbage = await call('PUT', `/_ddlocal/crls/${caId}`, { crl: 'not a crl!' });
    assert.equal(garbage.status, 400);
    assert.equal((await call('PUT', `/_ddlocal/crls/${caId}`, {})).status, 400);
    assert.equal((await call('PUT', '/_ddlocal/crls/xyz', { crl: 'x' })).status, 400);
    assert.equal((await call('GET', `/_ddlocal/crls/${caId}`)).status, 404);

    const stored = await call('PUT', `/_ddlocal/crls/${caId}`, { crl: await makeCrl(ca, ['00ab01', '7f']) });
    assert.deepEqual(stored, { status: 200, json: { stored: 1 } });
    const got = await call('GET', `/_ddlocal/crls/${caId.toUpperCase()}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.json.revokedSerialNumbers.sort(), ['7f', 'ab01']);
    assert.match(got.json.crl, /-----BEGIN X509 CRL-----/);
    assert.ok(!Number.isNaN(Date.parse(got.json.thisUpdate)) && !Number.isNaN(Date.parse(got.json.nextUpdate)));

    // base64 DER is accepted too, and replaces the previous CRL.
    const der = derOf(await makeCrl(ca, ['01'])).toString('base64');
    assert.equal((await call('PUT', `/_ddlocal/crls/${caId}`, { crl: der })).status, 200);
    assert.deepEqual((await call('GET', `/_ddlocal/crls/${caId}`)).json.revokedSerialNumbers, ['01']);

    assert.equal((await call('DELETE', `/_ddlocal/crls/${caId}`)).status, 200);
    assert.equal((await call('GET', `/_ddlocal/crls/${caId}`)).status, 404);
    assert.equal((await call('DELETE', `/_ddlocal/crls/${caId}`)).status, 404);
  });

  test('REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK: serial on the CA\'s registered CRL; other and inactive certificates not reported', async () => {
    fresh();
    const ca = await makeCa();
    const caId = await registerCa(ca);
    const revoked = await makeDeviceCertificate(ca);
    const fine = await makeDeviceCertificate(ca);
    const revokedInactive = await makeDeviceCertificate(ca);
    const revokedId = await registerDevice(ca, revoked);
    await registerDevice(ca, fine);
    await registerDevice(ca, revokedInactive, 'INACTIVE');
    assert.equal((await run(revokedDeviceCertificateStillActiveCheck)).findings.length, 0, 'no CRL source: not revoked');
    await call('PUT', `/_ddlocal/crls/${caId}`, { crl: await makeCrl(ca, [revoked.serialNumber, revokedInactive.serialNumber]) });
    const result = await run(revokedDeviceCertificateStillActiveCheck);
    assert.equal(result.checked, 2);
    assert.deepEqual(result.findings, [
      {
        nonCompliantResource: { resourceType: 'DEVICE_CERTIFICATE', resourceIdentifier: { deviceCertificateId: revokedId } },
        reasonForNonComplianceCode: 'CERTIFICATE_REVOKED_BY_ISSUER',
        reasonForNonCompliance: `Certificate serial ${revoked.serialNumber} is on its issuer's CRL (the CRL registered for CA certificate ${caId}) but its status is ACTIVE.`,
      },
    ]);
  });

  test('DeleteCACertificate deletes the CA\'s registered CRL; re-registering the CA does not revive it', async () => {
    fresh();
    const ca = await makeCa();
    const caId = await registerCa(ca);
    const device = await makeDeviceCertificate(ca);
    await call('PUT', `/_ddlocal/crls/${caId}`, { crl: await makeCrl(ca, [device.serialNumber]) });
    assert.equal((await call('GET', `/_ddlocal/crls/${caId}`)).status, 200);
    await iot.send(new UpdateCACertificateCommand({ certificateId: caId, newStatus: 'INACTIVE' }));
    await iot.send(new DeleteCACertificateCommand({ certificateId: caId }));
    const gone = await call('GET', `/_ddlocal/crls/${caId}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.json.__type, 'ResourceNotFoundException');

    // The same certificate registered again gets the same id; the old CRL must not speak for it.
    assert.equal(await registerCa(ca), caId);
    assert.equal((await call('GET', `/_ddlocal/crls/${caId}`)).status, 404);
    await registerDevice(ca, device);
    const result = await run(revokedDeviceCertificateStillActiveCheck);
    assert.equal(result.checked, 1);
    assert.deepEqual(result.findings, []);
  });

  test('distribution points over http (DER) and file: (PEM); each URL fetched once per audit task', async () => {
    fresh();
    const ca = await makeCa();
    const tag = `/${accountId}/ca.crl`;
    const httpUrl = `${crlServer.base}${tag}`;
    const dir = tempDir('ddlocal-crl-');
    const fileUrl = pathToFileURL(join(dir, 'ca.crl')).href;
    const viaHttp = await makeDeviceCertificate(ca, { crlDistributionPoints: [httpUrl] });
    const viaHttp2 = await makeDeviceCertificate(ca, { crlDistributionPoints: [httpUrl] });
    const viaFile = await makeDeviceCertificate(ca, { crlDistributionPoints: [fileUrl] });
    const crl = await makeCrl(ca, [viaHttp.serialNumber, viaHttp2.serialNumber, viaFile.serialNumber]);
    crlServer.serve(tag, derOf(crl));
    writeFileSync(join(dir, 'ca.crl'), crl);
    // The issuing CA is not registered: only the CRL's issuer name can be checked.
    const idsOf = await Promise.all(
      [viaHttp, viaHttp2, viaFile].map(async (c) => (await iot.send(new RegisterCertificateWithoutCACommand({ certificatePem: c.pem, status: 'ACTIVE' }))).certificateId!),
    );
    const result = await run(revokedDeviceCertificateStillActiveCheck);
    assert.deepEqual(result.findings.map((f) => f.nonCompliantResource.resourceIdentifier.deviceCertificateId).sort(), [...idsOf].sort());
    assert.ok(result.findings.some((f) => f.reasonForNonCompliance.includes(`(${httpUrl})`)));
    assert.ok(result.findings.some((f) => f.reasonForNonCompliance.includes(`(${fileUrl})`)));
    // The CA check of the same task reuses the fetch; a new task fetches again.
    await run(revokedCaCertificateStillActiveCheck);
    await run(revokedDeviceCertificateStillActiveCheck);
    assert.equal(crlServer.hits.get(tag), 1);
    await run(revokedDeviceCertificateStillActiveCheck, now + 1);
    assert.equal(crlServer.hits.get(tag), 2);
  });

  test('unreadable or unverifiable sources: DATA_UNAVAILABLE naming them, with the proven findings kept', async () => {
    fresh();
    const ca = await makeCa();
    const impostor = await makeCa({ subject: ca.subject, key: { type: 'EC' } });
    const unrelated = await makeCa();
    await registerCa(ca);
    const missing = crlServer.serve(`/${accountId}/missing.crl`, 'gone', 404);
    const forged = crlServer.serve(`/${accountId}/forged.crl`, await makeCrl(impostor, []));
    const foreign = crlServer.serve(`/${accountId}/foreign.crl`, await makeCrl(unrelated, []));
    const decided = await makeDeviceCertificate(ca, { crlDistributionPoints: [missing, crlServer.serve(`/${accountId}/good.crl`, await makeCrl(ca, []))] });
    const onMissing = await makeDeviceCertificate(ca, { crlDistributionPoints: [missing] });
    const onForged = await makeDeviceCertificate(ca, { crlDistributionPoints: [forged] });
    const onForeign = await makeDeviceCertificate(ca, { crlDistributionPoints: [foreign] });
    const onLdap = await makeDeviceCertificate(ca, { crlDistributionPoints: ['ldap://ldap.example/cn=crl'] });
    // A device whose serial is on a good CRL is proven revoked even while other sources fail.
    const provenSerial = 'aa';
    const proven = await makeDeviceCertificate(ca, { serialNumber: provenSerial, crlDistributionPoints: [crlServer.serve(`/${accountId}/proven.crl`, await makeCrl(ca, [provenSerial]))] });
    for (const c of [decided, onMissing, onForged, onForeign, onLdap, proven]) await registerDevice(ca, c);
    const provenId = proven.id;
    const failure = await dataUnavailable(revokedDeviceCertificateStillActiveCheck);
    assert.match(failure.message, /missing\.crl: answered HTTP 404/);
    assert.match(failure.message, /forged\.crl: the CRL signature does not verify/);
    assert.match(failure.message, /foreign\.crl: the CRL is issued by/);
    assert.match(failure.message, /ldap:\/\/ldap\.example\/cn=crl: uses the scheme ldap:/);
    assert.doesNotMatch(failure.message, /good\.crl/, 'a certificate with one usable CRL is decided');
    assert.deepEqual([...failure.partial.findings].map((f) => f.nonCompliantResource.resourceIdentifier.deviceCertificateId), [provenId]);
  });

  test('through the engine: a check that fails with DATA_UNAVAILABLE still reports the findings it proved', async () => {
    fresh();
    const ca = await makeCa();
    await registerCa(ca);
    const missing = crlServer.serve(`/${accountId}/engine-missing.crl`, 'gone', 404);
    const proven = await makeDeviceCertificate(ca, {
      serialNumber: 'bb',
      crlDistributionPoints: [crlServer.serve(`/${accountId}/engine-proven.crl`, await makeCrl(ca, ['bb']))],
    });
    await registerDevice(ca, proven);
    await registerDevice(ca, await makeDeviceCertificate(ca, { crlDistributionPoints: [missing] }));
    const check = 'REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK';
    await iot.send(
      new UpdateAccountAuditConfigurationCommand({
        roleArn: `arn:aws:iam::${accountId}:role/audit`,
        auditCheckConfigurations: { [check]: { enabled: true } },
      }),
    );
    const { taskId } = await iot.send(new StartOnDemandAuditTaskCommand({ targetCheckNames: [check] }));
    let task = await iot.send(new DescribeAuditTaskCommand({ taskId }));
    for (let i = 0; task.taskStatus === 'IN_PROGRESS' && i < 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      task = await iot.send(new DescribeAuditTaskCommand({ taskId }));
    }
    assert.equal(task.taskStatus, 'FAILED', 'its only check failed (docs/decisions.md#a28)');
    const details = task.auditDetails![check]!;
    assert.equal(details.checkRunStatus, 'FAILED');
    assert.equal(details.errorCode, 'DATA_UNAVAILABLE');
    assert.match(details.message!, /engine-missing\.crl: answered HTTP 404/);
    assert.equal(details.nonCompliantResourcesCount, 1);
    assert.equal(details.totalResourcesCount, 2);
    const { findings } = await iot.send(new ListAuditFindingsCommand({ taskId }));
    assert.deepEqual(
      findings!.map((f) => [f.checkName, f.nonCompliantResource!.resourceIdentifier!.deviceCertificateId, f.reasonForNonComplianceCode]),
      [[check, proven.id, 'CERTIFICATE_REVOKED_BY_ISSUER']],
    );
  });

  test('REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK: an ACTIVE intermediate on its root\'s CRL; self-signed roots never', async () => {
    fresh();
    const root = await makeCa();
    const intermediate = await makeCa({ issuer: root });
    const inactiveIntermediate = await makeCa({ issuer: root });
    const rootId = await registerCa(root);
    const intermediateId = await registerCa(intermediate);
    await registerCa(inactiveIntermediate, false);
    await call('PUT', `/_ddlocal/crls/${rootId}`, { crl: await makeCrl(root, [intermediate.serialNumber, inactiveIntermediate.serialNumber, root.serialNumber]) });
    const result = await run(revokedCaCertificateStillActiveCheck);
    assert.equal(result.checked, 2);
    assert.deepEqual(result.findings, [
      {
        nonCompliantResource: { resourceType: 'CA_CERTIFICATE', resourceIdentifier: { caCertificateId: intermediateId } },
        reasonForNonComplianceCode: 'CERTIFICATE_REVOKED_BY_ISSUER',
        reasonForNonCompliance: `Certificate serial ${intermediate.serialNumber} is on its issuer's CRL (the CRL registered for CA certificate ${rootId}) but its status is ACTIVE.`,
      },
    ]);
  });

  test('INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK: ISSUER_CERTIFICATE finding with every chained active device', async () => {
    fresh();
    const root = await makeCa();
    const intermediate = await makeCa({ issuer: root, subject: `CN=Issuing ${accountId}, O=Acme` });
    const below = await makeCa({ issuer: intermediate }); // a second-level CA under the revoked one
    const rootId = await registerCa(root);
    const intermediateId = await registerCa(intermediate);
    await registerCa(below);
    const direct = await registerDevice(intermediate, await makeDeviceCertificate(intermediate));
    const chained = await registerDevice(below, await makeDeviceCertificate(below));
    await registerDevice(intermediate, await makeDeviceCertificate(intermediate), 'INACTIVE');
    await registerDevice(root, await makeDeviceCertificate(root));

    const before = await run(intermediateCaRevokedForActiveDeviceCertificatesCheck);
    assert.equal(before.checked, 2);
    assert.equal(before.findings.length, 0);

    await call('PUT', `/_ddlocal/crls/${rootId}`, { crl: await makeCrl(root, [intermediate.serialNumber]) });
    const result = await run(intermediateCaRevokedForActiveDeviceCertificatesCheck);
    assert.equal(result.findings.length, 1);
    const finding = result.findings[0]!;
    assert.deepEqual(finding.nonCompliantResource, {
      resourceType: 'ISSUER_CERTIFICATE',
      resourceIdentifier: {
        issuerCertificateIdentifier: { issuerCertificateSubject: `O=Acme,CN=Issuing ${accountId}`, issuerId: intermediateId },
      },
    });
    assert.equal(finding.reasonForNonComplianceCode, 'INTERMEDIATE_CA_REVOKED_BY_ISSUER');
    assert.equal(finding.reasonForNonCompliance, `Intermediate CA O=Acme,CN=Issuing ${accountId} is revoked by its issuer; 2 active device certificates chain to it.`);
    assert.deepEqual(
      finding.relatedResources!.map((r) => r.resourceIdentifier.deviceCertificateId).sort(),
      [direct, chained].sort(),
    );
    assert.ok(finding.relatedResources!.every((r) => r.resourceType === 'DEVICE_CERTIFICATE'));
  });

  test('intermediate check: short serials are part of the identifier; no active device below → no finding', async () => {
    fresh();
    const root = await makeCa();
    const intermediate = await makeCa({ issuer: root, serialNumber: '0badc0de' });
    const rootId = await registerCa(root);
    const intermediateId = await registerCa(intermediate);
    await call('PUT', `/_ddlocal/crls/${rootId}`, { crl: await makeCrl(root, [intermediate.serialNumber]) });
    assert.equal((await run(intermediateCaRevokedForActiveDeviceCertificatesCheck)).findings.length, 0);
    await registerDevice(intermediate, await makeDeviceCertificate(intermediate));
    const [finding] = (await run(intermediateCaRevokedForActiveDeviceCertificatesCheck)).findings;
    assert.deepEqual(finding!.nonCompliantResource.resourceIdentifier.issuerCertificateIdentifier, {
      issuerCertificateSubject: (finding!.nonCompliantResource.resourceIdentifier.issuerCertificateIdentifier as { issuerCertificateSubject: string }).issuerCertificateSubject,
      issuerId: intermediateId,
      issuerCertificateSerialNumber: '0badc0de',
    });
  });

  /** Copies of a registered device certificate's row under new ids (in increasing order) and serials: a fleet of
   *  `count` certificates without generating each one (the checks read only the stored facts). */
  async function cloneDevice(certificateId: string, count: number, serialOf: (i: number) => string): Promise<string[]> {
    const row = await server.store.transaction((db) =>
      db
        .selectFrom('certificates')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('region', '=', REGION)
        .where('certificate_id', '=', certificateId)
        .executeTakeFirstOrThrow(),
    );
    const ids: string[] = [];
    for (let i = 0; i < count; i += 500) {
      const rows: (typeof row)[] = [];
      for (let j = i; j < Math.min(count, i + 500); j++) {
        const id = j.toString(16).padStart(64, '0');
        ids.push(id);
        rows.push({ ...row, certificate_id: id, serial_number: serialOf(j) });
      }
      await server.store.transaction((db) => db.insertInto('certificates').values(rows).execute());
    }
    return ids;
  }

  test('intermediate check: 150,000 active devices under one intermediate CA (more than a JavaScript call takes as arguments)', async () => {
    // Regression: the device ids were gathered with push(...rows), which throws "Maximum call stack size exceeded"
    // past ~120,000 rows, so the check FAILED for any intermediate CA with a large fleet below it.
    fresh();
    const root = await makeCa();
    const intermediate = await makeCa({ issuer: root });
    const rootId = await registerCa(root);
    const intermediateId = await registerCa(intermediate);
    const device = await registerDevice(intermediate, await makeDeviceCertificate(intermediate));
    await cloneDevice(device, 150_000, (i) => (0x100000 + i).toString(16));
    await call('PUT', `/_ddlocal/crls/${rootId}`, { crl: await makeCrl(root, [intermediate.serialNumber]) });
    const result = await run(intermediateCaRevokedForActiveDeviceCertificatesCheck);
    assert.equal(result.findings.length, 1);
    const finding = result.findings[0]!;
    assert.equal((finding.nonCompliantResource.resourceIdentifier.issuerCertificateIdentifier as { issuerId: string }).issuerId, intermediateId);
    assert.match(finding.reasonForNonCompliance, /; 150001 active device certificates chain to it\.$/);
    assert.equal(finding.relatedResources!.length, 150_001);
  });

  test('revoked device check reads the certificates in pages: findings on both sides of every page boundary, none twice', async () => {
    fresh();
    const ca = await makeCa();
    const caId = await registerCa(ca);
    const device = await registerDevice(ca, await makeDeviceCertificate(ca));
    const serialOf = (i: number) => (0x200000 + i).toString(16);
    const ids = await cloneDevice(device, 12_000, serialOf);
    // Pages are 5,000 rows; the one registered device sorts somewhere among the copies.
    const revoked = [0, 4998, 4999, 5000, 5001, 9999, 10000, 11999];
    await call('PUT', `/_ddlocal/crls/${caId}`, { crl: await makeCrl(ca, revoked.map(serialOf)) });
    const result = await run(revokedDeviceCertificateStillActiveCheck);
    assert.equal(result.checked, 12_001);
    assert.deepEqual(
      result.findings.map((f) => f.nonCompliantResource.resourceIdentifier.deviceCertificateId),
      revoked.map((i) => ids[i]),
    );
  });
});
