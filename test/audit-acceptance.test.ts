// Issue 3 acceptance walkthrough (configuration, checks, tasks, findings, suppressions), driven only through the real
// AWS CLI v2 plus ddlocal's clock extension: a registry with one problem per check, an on-demand audit whose findings
// are exactly those problems, a clock jump that turns "expiring" into "expired", and a suppression that changes the
// verdict but not the counts. It reads as the steps a new user would type; each step depends on the previous one, so
// they run in order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { forEachStore, type TestServer } from './helpers/server.js';
import { awsCli, type CliResult } from './helpers/aws-cli.js';
import { tempDir } from './helpers/temp-dir.js';
import {
  daysFromNow,
  makeCa,
  makeCrl,
  makeDeviceCertificate,
  makeRocaKey,
  makeVerificationCertificate,
  type TestCertificate,
} from './helpers/certs.js';

const ACCOUNT = '123456789012';
const DAY_S = 86_400;

const CHECKS = [
  'IOT_POLICY_OVERLY_PERMISSIVE_CHECK',
  'DEVICE_CERTIFICATE_EXPIRING_CHECK',
  'DEVICE_CERTIFICATE_KEY_QUALITY_CHECK',
  'REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK',
  'LOGGING_DISABLED_CHECK',
] as const;

/** Severities and reason codes as AWS's Device Defender check pages list them — independent of the implementation. */
const SEVERITY: Record<(typeof CHECKS)[number], string> = {
  IOT_POLICY_OVERLY_PERMISSIVE_CHECK: 'CRITICAL',
  DEVICE_CERTIFICATE_EXPIRING_CHECK: 'MEDIUM',
  DEVICE_CERTIFICATE_KEY_QUALITY_CHECK: 'CRITICAL',
  REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK: 'MEDIUM',
  LOGGING_DISABLED_CHECK: 'LOW',
};

/** One finding reduced to what the acceptance criteria compare: check, resource, reason code, severity. */
const keyOf = (f: any) =>
  [f.checkName, f.nonCompliantResource.resourceType, JSON.stringify(f.nonCompliantResource.resourceIdentifier), f.reasonForNonComplianceCode, f.severity].join(' | ');

function expectedKey(check: (typeof CHECKS)[number], resourceType: string, identifier: object, code: string): string {
  return [check, resourceType, JSON.stringify(identifier), code, SEVERITY[check]].join(' | ');
}

/** A CRL distribution point on a local HTTP server, as a CA would publish it. */
class CrlServer {
  private body: Buffer = Buffer.alloc(0);
  private server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/pkix-crl' });
    res.end(this.body);
  });
  url = '';
  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/acme-ca.crl`;
  }
  /** Serves the CRL as DER, the usual form on distribution points. */
  publish(pem: string): void {
    this.body = Buffer.from(pem.replace(/-----[A-Z0-9 ]+-----/g, '').replace(/\s+/g, ''), 'base64');
  }
  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

forEachStore('issue-3 acceptance: audit walkthrough with the AWS CLI v2', (suite) => {
  let server: TestServer;
  const crlServer = new CrlServer();
  const dir = tempDir('ddlocal-acceptance-');
  /** Runs `aws iot …` and fails the test with the CLI's stderr when it does not exit 0. */
  const aws = async (...args: string[]): Promise<CliResult> => {
    const r = await awsCli(server.url, ['iot', ...args], ACCOUNT);
    assert.equal(r.status, 0, `aws iot ${args.join(' ')} failed: ${r.stderr}`);
    return r;
  };
  const file = (name: string, content: string) => {
    const path = join(dir, `${suite.store}-${name}`);
    writeFileSync(path, content);
    return `file://${path}`;
  };
  const clock = async (body?: object) => {
    const res = await fetch(`${server.url}/_ddlocal/clock`, body ? { method: 'POST', body: JSON.stringify(body) } : {});
    assert.equal(res.status, 200);
    return (await res.json()) as { now: string; mode: string; offsetSeconds: number };
  };

  // Registry facts the later steps assert on.
  const ids = { expiring: '', roca: '', revoked: '', sibling: '', issued: '' };
  let expected: Record<string, string> = {};
  let firstTask = '';
  let secondTask = '';

  async function runAudit(): Promise<{ taskId: string; described: any }> {
    const started = await aws('start-on-demand-audit-task', '--target-check-names', ...CHECKS);
    const taskId: string = started.json.taskId;
    assert.match(taskId, /^[0-9a-f]{32}$/);
    let described: any;
    for (let i = 0; i < 60; i++) {
      described = (await aws('describe-audit-task', '--task-id', taskId)).json;
      if (described.taskStatus !== 'IN_PROGRESS') return { taskId, described };
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`audit task ${taskId} did not finish: ${JSON.stringify(described)}`);
  }

  async function findings(...args: string[]): Promise<any[]> {
    return (await aws('list-audit-findings', ...args)).json.findings;
  }

  /** auditDetails entry expectation: DescribeAuditTask's counts and the verdict they imply (docs/decisions.md#a6). */
  const detail = (total: number, nonCompliant: number, suppressed = 0) => {
    const compliant = nonCompliant === suppressed;
    return {
      checkRunStatus: compliant ? 'COMPLETED_COMPLIANT' : 'COMPLETED_NON_COMPLIANT',
      checkCompliant: compliant,
      totalResourcesCount: total,
      nonCompliantResourcesCount: nonCompliant,
      suppressedNonCompliantResourcesCount: suppressed,
    };
  };

  before(async () => {
    ({ server } = suite);
    await crlServer.start();
  });
  after(() => crlServer.stop());

  test('1. registry: an iot:* policy on a certificate, a certificate expiring in 10 days, a ROCA key, a revoked certificate', async () => {
    // The permissive policy, attached to a certificate ddlocal issues (RSA 2048, valid until 2049: unremarkable).
    const permissive = await aws('create-policy', '--policy-name', 'AllowEverything', '--policy-document',
      file('allow-all.json', '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:*","Resource":"*"}]}'));
    assert.equal(permissive.json.policyVersionId, '1');
    // A narrowly scoped policy, so the check has a compliant resource to examine as well.
    await aws('create-policy', '--policy-name', 'BuildingTelemetry', '--policy-document',
      file('building.json', '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Publish","Resource":"arn:aws:iot:us-east-1:123456789012:topic/building/*"}]}'));
    const issued = await aws('create-keys-and-certificate', '--set-as-active');
    ids.issued = issued.json.certificateId;
    await aws('attach-policy', '--policy-name', 'AllowEverything', '--target', issued.json.certificateArn);

    // Devices from a vendor CA that is not registered: one expiring in ten days, one with a ROCA-structured key.
    const vendor = await makeCa({ key: { type: 'EC' }, notAfter: daysFromNow(3650) });
    const expiring = await makeDeviceCertificate(vendor, { key: { type: 'EC' }, notAfter: daysFromNow(10) });
    const roca = await makeDeviceCertificate(vendor, { key: await makeRocaKey(), notAfter: daysFromNow(1000) });
    ids.expiring = (await aws('register-certificate-without-ca', '--certificate-pem', file('expiring.pem', expiring.pem), '--status', 'ACTIVE')).json.certificateId;
    ids.roca = (await aws('register-certificate-without-ca', '--certificate-pem', file('roca.pem', roca.pem), '--status', 'ACTIVE')).json.certificateId;
    assert.equal(ids.expiring, expiring.id);
    assert.equal(ids.roca, roca.id);

    // A registered CA whose CRL (on a local distribution point) revokes one of two sibling device certificates.
    const acme = await makeCa({ key: { type: 'RSA' }, notAfter: daysFromNow(3650) });
    const code = (await aws('get-registration-code')).json.registrationCode;
    const verification = await makeVerificationCertificate(acme, code);
    await aws('register-ca-certificate', '--ca-certificate', file('acme-ca.pem', acme.pem),
      '--verification-certificate', file('verification.pem', verification.pem), '--set-as-active');
    const issue = (): Promise<TestCertificate> =>
      makeDeviceCertificate(acme, { key: { type: 'EC' }, notAfter: daysFromNow(1000), crlDistributionPoints: [crlServer.url] });
    const revoked = await issue();
    const sibling = await issue();
    crlServer.publish(await makeCrl(acme, [revoked.serialNumber], { nextUpdate: daysFromNow(60) }));
    const register = async (name: string, cert: TestCertificate) =>
      (await aws('register-certificate', '--certificate-pem', file(name, cert.pem), '--ca-certificate-pem', file('acme-ca.pem', acme.pem), '--status', 'ACTIVE')).json.certificateId as string;
    ids.revoked = await register('revoked.pem', revoked);
    ids.sibling = await register('sibling.pem', sibling);

    // Logging is left as a fresh account has it: never configured, which LOGGING_DISABLED_CHECK reports
    // (docs/decisions.md#a39).
    const listed = await aws('list-certificates');
    assert.deepEqual(listed.json.certificates.map((c: any) => c.certificateId).sort(), Object.values(ids).sort());
    assert.ok(listed.json.certificates.every((c: any) => c.status === 'ACTIVE'));

    expected = {
      policy: expectedKey('IOT_POLICY_OVERLY_PERMISSIVE_CHECK', 'IOT_POLICY', { policyVersionIdentifier: { policyName: 'AllowEverything', policyVersionId: '1' } }, 'ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS'),
      approaching: expectedKey('DEVICE_CERTIFICATE_EXPIRING_CHECK', 'DEVICE_CERTIFICATE', { deviceCertificateId: ids.expiring }, 'CERTIFICATE_APPROACHING_EXPIRATION'),
      past: expectedKey('DEVICE_CERTIFICATE_EXPIRING_CHECK', 'DEVICE_CERTIFICATE', { deviceCertificateId: ids.expiring }, 'CERTIFICATE_PAST_EXPIRATION'),
      roca: expectedKey('DEVICE_CERTIFICATE_KEY_QUALITY_CHECK', 'DEVICE_CERTIFICATE', { deviceCertificateId: ids.roca }, 'CERTIFICATE_KEY_VULNERABILITY_CVE-2017-15361'),
      revoked: expectedKey('REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK', 'DEVICE_CERTIFICATE', { deviceCertificateId: ids.revoked }, 'CERTIFICATE_REVOKED_BY_ISSUER'),
      logging: expectedKey('LOGGING_DISABLED_CHECK', 'ACCOUNT_SETTINGS', { account: ACCOUNT }, 'LOGGING_DISABLED'),
    };
  });

  test('2. update-account-audit-configuration enables exactly the five checks', async () => {
    const checks = Object.fromEntries(CHECKS.map((name) => [name, { enabled: true }]));
    const updated = await aws('update-account-audit-configuration', '--role-arn', `arn:aws:iam::${ACCOUNT}:role/DeviceDefenderAudit`,
      '--audit-check-configurations', JSON.stringify(checks));
    assert.deepEqual(updated.json ?? {}, {});
    const config = (await aws('describe-account-audit-configuration')).json;
    assert.equal(config.roleArn, `arn:aws:iam::${ACCOUNT}:role/DeviceDefenderAudit`);
    const enabled = Object.entries(config.auditCheckConfigurations).filter(([, c]: [string, any]) => c.enabled).map(([name]) => name);
    assert.deepEqual(enabled.sort(), [...CHECKS].sort());
    assert.equal(Object.keys(config.auditCheckConfigurations).length, 17);
  });

  test('3. an on-demand audit completes and reports exactly the planted problems', async () => {
    const { taskId, described } = await runAudit();
    firstTask = taskId;
    assert.equal(described.taskStatus, 'COMPLETED');
    assert.equal(described.taskType, 'ON_DEMAND_AUDIT_TASK');
    assert.deepEqual(described.taskStatistics, {
      totalChecks: 5, inProgressChecks: 0, waitingForDataCollectionChecks: 0,
      compliantChecks: 0, nonCompliantChecks: 5, failedChecks: 0, canceledChecks: 0,
    });
    // Five ACTIVE device certificates are in scope of every device-certificate check; two policies; one account.
    assert.deepEqual(described.auditDetails, {
      IOT_POLICY_OVERLY_PERMISSIVE_CHECK: detail(2, 1),
      DEVICE_CERTIFICATE_EXPIRING_CHECK: detail(5, 1),
      DEVICE_CERTIFICATE_KEY_QUALITY_CHECK: detail(5, 1),
      REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK: detail(5, 1),
      LOGGING_DISABLED_CHECK: detail(1, 1),
    });

    const all = await findings('--task-id', taskId);
    assert.deepEqual(all.map(keyOf).sort(), [expected.policy, expected.approaching, expected.roca, expected.revoked, expected.logging].sort());
    for (const f of all) {
      assert.equal(f.taskId, taskId);
      assert.equal(f.isSuppressed, false);
    }
    const expiringFinding = all.find((f) => f.checkName === 'DEVICE_CERTIFICATE_EXPIRING_CHECK');
    assert.match(expiringFinding.reasonForNonCompliance, /^Certificate expires in (9|10) days, within the threshold of 30 days\.$/);

    // Paging through the CLI: --page-size sets maxResults per request, --max-items stops early with a NextToken, and
    // --starting-token resumes (the remaining three findings take two more requests).
    const firstPage = (await aws('list-audit-findings', '--task-id', taskId, '--max-items', '2', '--page-size', '2')).json;
    assert.equal(firstPage.findings.length, 2);
    assert.ok(firstPage.NextToken, 'the CLI hands back a NextToken after --max-items');
    const rest = (await aws('list-audit-findings', '--task-id', taskId, '--starting-token', firstPage.NextToken, '--page-size', '2')).json;
    assert.equal(rest.NextToken, undefined);
    // Same order as the unpaged listing (findingTime desc, findingId): no duplicate, no gap.
    assert.deepEqual([...firstPage.findings, ...rest.findings].map((f: any) => f.findingId), all.map((f) => f.findingId));
  });

  test('4. twenty days later the ten-day certificate is past expiration; the other findings stay', async () => {
    const state = await clock({ advanceSeconds: 20 * DAY_S });
    assert.equal(state.mode, 'offset');
    assert.equal(state.offsetSeconds, 20 * DAY_S);
    const { taskId, described } = await runAudit();
    secondTask = taskId;
    assert.notEqual(taskId, firstTask);
    assert.equal(described.taskStatus, 'COMPLETED');
    // The task starts on ddlocal's clock, twenty days ahead of real time.
    assert.ok(Date.parse(described.taskStartTime) > Date.now() + 19 * DAY_S * 1000, `taskStartTime ${described.taskStartTime}`);
    const all = await findings('--task-id', taskId);
    assert.deepEqual(all.map(keyOf).sort(), [expected.policy, expected.past, expected.roca, expected.revoked, expected.logging].sort());
    const past = all.find((f) => f.checkName === 'DEVICE_CERTIFICATE_EXPIRING_CHECK');
    assert.equal(past.reasonForNonCompliance, 'Certificate is past its expiration.');
    // The first task's findings are history: still listed, unchanged.
    assert.ok((await findings('--task-id', firstTask)).map(keyOf).includes(expected.approaching));
  });

  test('5. a suppression hides the ROCA finding from the unsuppressed view and turns its check compliant', async () => {
    await aws('create-audit-suppression', '--check-name', 'DEVICE_CERTIFICATE_KEY_QUALITY_CHECK',
      '--resource-identifier', `deviceCertificateId=${ids.roca}`, '--suppress-indefinitely', '--description', 'replacement scheduled');

    // listSuppressedFindings: false → only unsuppressed, true → only suppressed, absent → both, as AWS documents.
    const unsuppressed = await findings('--task-id', secondTask, '--no-list-suppressed-findings');
    assert.deepEqual(unsuppressed.map(keyOf).sort(), [expected.policy, expected.past, expected.revoked, expected.logging].sort());
    const suppressed = await findings('--task-id', secondTask, '--list-suppressed-findings');
    assert.deepEqual(suppressed.map(keyOf), [expected.roca]);
    assert.equal(suppressed[0].isSuppressed, true);
    const both = await findings('--task-id', secondTask);
    assert.equal(both.length, 5);
    assert.deepEqual(both.filter((f) => f.isSuppressed).map(keyOf), [expected.roca]);

    // A task run after the suppression: the resource still counts as non-compliant, and as suppressed
    // (docs/decisions.md#a6).
    const { described } = await runAudit();
    assert.equal(described.taskStatus, 'COMPLETED');
    // detail(5, 1, 1): COMPLETED_COMPLIANT, checkCompliant true, 1 non-compliant resource of which 1 suppressed.
    assert.deepEqual(described.auditDetails.DEVICE_CERTIFICATE_KEY_QUALITY_CHECK, detail(5, 1, 1));
    assert.deepEqual(described.auditDetails.DEVICE_CERTIFICATE_EXPIRING_CHECK, detail(5, 1));
    assert.deepEqual(described.taskStatistics, {
      totalChecks: 5, inProgressChecks: 0, waitingForDataCollectionChecks: 0,
      compliantChecks: 1, nonCompliantChecks: 4, failedChecks: 0, canceledChecks: 0,
    });
    // Verdicts are derived at read time (docs/decisions.md#a21): the task from before the suppression reads the same
    // way now.
    const earlier = (await aws('describe-audit-task', '--task-id', secondTask)).json;
    assert.deepEqual(earlier.auditDetails.DEVICE_CERTIFICATE_KEY_QUALITY_CHECK, detail(5, 1, 1));
    assert.equal(earlier.taskStatistics.compliantChecks, 1);
  });
});
