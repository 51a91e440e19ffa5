// Issue 4 acceptance with boto3: a registry built through boto3 yields one finding per action type, a real audit
// finds them, and audit mitigation actions tasks over each target variant change the registry — all read back through
// boto3; the SNS message is read from an SQS queue subscribed (in moto_server) to the action's topic.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forEachStore, type TestServer } from './helpers/server.js';
import { startMoto, MOTO_CREDENTIALS, type Moto } from './helpers/moto.js';
import { daysFromNow, makeCa, makeDeviceCertificate, makeExpiredCertificate, makeVerificationCertificate } from './helpers/certs.js';
import { tempDir } from './helpers/temp-dir.js';

const script = fileURLToPath(new URL('../../test/python/boto3_mitigation.py', import.meta.url));
const ACCOUNT = '123456789012';
const BLANK = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'iot:*', Resource: '*' }] };

/** The first python3 on this machine that can import boto3 (.ci/run installs Debian's python3-boto3 if none can). */
function pythonWithBoto3(): string {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(candidate, ['-c', 'import boto3'], { encoding: 'utf8' });
    if (r.status === 0) return candidate;
  }
  throw new Error('no python3 with boto3 found; install python3-boto3');
}

/** Runs the script asynchronously (the server answering it lives on this process's event loop) and parses its JSON. */
async function runScript(url: string, ...args: string[]): Promise<any> {
  const r = await new Promise<{ error: Error | null; stdout: string; stderr: string }>((resolve) => {
    execFile(pythonWithBoto3(), [script, url, ACCOUNT, ...args], { encoding: 'utf8', timeout: 180_000 }, (error, stdout, stderr) =>
      resolve({ error, stdout, stderr }),
    );
  });
  assert.equal(r.error, null, r.stderr);
  return JSON.parse(r.stdout);
}

const stats = (total: number, succeeded: number, skipped = 0) => ({
  totalFindingsCount: total,
  succeededFindingsCount: succeeded,
  skippedFindingsCount: skipped,
  failedFindingsCount: 0,
  canceledFindingsCount: 0,
});

describe('boto3 mitigation end to end', () => {
  let moto: Moto;
  before(async () => {
    moto = await startMoto();
  });
  after(() => moto?.stop());

  forEachStore((store) => store, { server: () => ({ sns: { endpoint: moto.url, credentials: MOTO_CREDENTIALS } }) }, (suite) => {
    const storeKind = suite.store;
    let server: TestServer;
    before(() => ({ server } = suite));

    test('every action type and target variant through boto3', async () => {
      const { topicArn, queueUrl } = await moto.topicWithQueue(`py-mitigation-${storeKind}`);
      // The CA's verification certificate needs the account's registration code, which boto3 fetches.
      const { registrationCode } = await runScript(server.url, 'registration-code');
      assert.match(registrationCode, /^[0-9a-f]{64}$/);
      const ca = await makeCa({ notAfter: daysFromNow(10) }); // CA_CERTIFICATE_EXPIRING_CHECK: within 30 days
      const verification = await makeVerificationCertificate(ca, registrationCode, { notAfter: daysFromNow(5) });
      const deviceCa = await makeCa(); // never registered: the devices are registered without a CA
      const deviceExpiring = await makeDeviceCertificate(deviceCa, { notAfter: daysFromNow(9) });
      const deviceExpired = await makeExpiredCertificate(deviceCa, 3);
      const materials = join(tempDir('ddlocal-py-mitigation-'), 'materials.json');
      writeFileSync(
        materials,
        JSON.stringify({ caPem: ca.pem, verificationPem: verification.pem, deviceExpiringPem: deviceExpiring.pem, deviceExpiredPem: deviceExpired.pem, topicArn }),
      );
      const out = await runScript(server.url, 'run', materials);

      // Setup: six actions of six types; the audit found exactly one finding per problem.
      assert.deepEqual(out.ids, { ca: ca.id, expiring: deviceExpiring.id, expired: deviceExpired.id });
      assert.deepEqual(out.mitigationActions, ['DeactivateCa', 'DeactivateDevice', 'EnableLogging', 'PublishSns', 'QuarantineThings', 'ResetPolicyVersionAction']);
      assert.deepEqual(out.actionTypes, {
        DeactivateDevice: 'UPDATE_DEVICE_CERTIFICATE',
        QuarantineThings: 'ADD_THINGS_TO_THING_GROUP',
        DeactivateCa: 'UPDATE_CA_CERTIFICATE',
        ResetPolicyVersionAction: 'REPLACE_DEFAULT_POLICY_VERSION',
        EnableLogging: 'ENABLE_IOT_LOGGING',
        PublishSns: 'PUBLISH_FINDING_TO_SNS',
      });
      assert.equal(out.auditStatus, 'COMPLETED');
      assert.match(out.auditTaskId, /^[0-9a-f]{32}$/);
      assert.deepEqual(out.findings, [
        ['CA_CERTIFICATE_EXPIRING_CHECK', 'CERTIFICATE_APPROACHING_EXPIRATION', JSON.stringify({ caCertificateId: ca.id })],
        ['DEVICE_CERTIFICATE_EXPIRING_CHECK', 'CERTIFICATE_APPROACHING_EXPIRATION', JSON.stringify({ deviceCertificateId: deviceExpiring.id })],
        ['DEVICE_CERTIFICATE_EXPIRING_CHECK', 'CERTIFICATE_PAST_EXPIRATION', JSON.stringify({ deviceCertificateId: deviceExpired.id })],
        ['IOT_POLICY_OVERLY_PERMISSIVE_CHECK', 'ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS', JSON.stringify({ policyVersionIdentifier: { policyName: 'py-broad', policyVersionId: '1' } })],
        ['LOGGING_DISABLED_CHECK', 'LOGGING_DISABLED', JSON.stringify({ account: ACCOUNT })],
      ]);
      const ids = out.findingIds;

      // {findingIds}: the policy gets a blank default version; retry is idempotent; another token is refused.
      assert.equal(out.startByFindings, 'py-findings-task');
      assert.deepEqual(out.byFindings, {
        taskStatus: 'COMPLETED',
        taskStatistics: { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: stats(1, 1) },
        target: { findingIds: [ids.policy] },
        auditCheckToActionsMapping: { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['ResetPolicyVersionAction'] },
        actionsDefinition: ['ResetPolicyVersionAction'],
        endAfterStart: true,
      });
      assert.deepEqual(out.byFindingsExecutions.map((e: any) => [e.taskId, e.findingId, e.actionName, e.status, e.hasTimes]), [
        ['py-findings-task', ids.policy, 'ResetPolicyVersionAction', 'COMPLETED', true],
      ]);
      assert.deepEqual(out.policyAfter, { defaultVersionId: '2', document: BLANK });
      assert.deepEqual(out.policyVersions, ['1', '2']);
      assert.equal(out.retry, 'py-findings-task');
      assert.deepEqual(out.policyVersionsAfterRetry, ['1', '2'], 'the retry started nothing');
      assert.equal(out.otherToken.code, 'TaskAlreadyExistsException');
      assert.equal(out.otherToken.status, 400);
      assert.match(out.otherToken.message, /py-findings-task/);
      assert.equal(out.cancelFinished.code, 'InvalidRequestException');
      assert.equal(out.cancelFinished.status, 400);
      assert.match(out.cancelFinished.message, /py-findings-task/);
      assert.equal(out.cancelUnknown.code, 'ResourceNotFoundException');
      assert.equal(out.cancelUnknown.status, 404);
      assert.equal(out.describeUnknown.code, 'ResourceNotFoundException');
      assert.equal(out.describeUnknown.status, 404);

      // {auditTaskId, auditCheckToReasonCodeFilter}: the past-expiration finding is filtered out (skipped, no rows).
      assert.deepEqual(out.filtered.taskStatistics, {
        DEVICE_CERTIFICATE_EXPIRING_CHECK: stats(2, 1, 1),
        CA_CERTIFICATE_EXPIRING_CHECK: stats(1, 1),
      });
      assert.equal(out.filtered.taskStatus, 'COMPLETED');
      assert.deepEqual(out.filtered.target, {
        auditTaskId: out.auditTaskId,
        auditCheckToReasonCodeFilter: { DEVICE_CERTIFICATE_EXPIRING_CHECK: ['CERTIFICATE_APPROACHING_EXPIRATION'] },
      });
      assert.deepEqual(out.filtered.actionsDefinition, ['DeactivateCa', 'DeactivateDevice', 'QuarantineThings']);
      const shape = (rows: any[]) => rows.map((e) => [e.actionName, e.status, e.errorCode ?? null]);
      assert.deepEqual(shape(out.filteredExecutions.approaching), [
        ['DeactivateDevice', 'COMPLETED', null],
        ['QuarantineThings', 'COMPLETED', null],
      ]);
      assert.deepEqual(out.filteredExecutions.past, []);
      assert.deepEqual(shape(out.filteredExecutions.ca), [['DeactivateCa', 'COMPLETED', null]]);
      assert.deepEqual(out.filteredExecutions.policy, []);
      assert.deepEqual(out.afterFiltered, {
        expiringStatus: 'INACTIVE',
        expiredStatus: 'ACTIVE',
        caStatus: 'INACTIVE',
        quarantined: ['py-device-expiring'],
        groupsOfExpiring: ['py-quarantine'],
        groupsOfExpired: [],
      });

      // {auditTaskId}: logging on, one SNS message; the device check again (an INACTIVE certificate stays COMPLETED).
      assert.equal(out.loggingBefore.code, 'NotConfiguredException');
      assert.deepEqual(out.wholeAudit.taskStatistics, {
        LOGGING_DISABLED_CHECK: stats(1, 1),
        DEVICE_CERTIFICATE_EXPIRING_CHECK: stats(2, 2),
      });
      assert.equal(out.wholeAudit.taskStatus, 'COMPLETED');
      assert.deepEqual(out.wholeAudit.target, { auditTaskId: out.auditTaskId });
      assert.deepEqual(shape(out.wholeAuditExecutions.logging), [
        ['EnableLogging', 'COMPLETED', null],
        ['PublishSns', 'COMPLETED', null],
      ]);
      assert.deepEqual(shape(out.wholeAuditExecutions.approaching), [['DeactivateDevice', 'COMPLETED', null]]);
      assert.match(out.wholeAuditExecutions.approaching[0].message ?? '', /already INACTIVE/);
      assert.deepEqual(shape(out.wholeAuditExecutions.past), [['DeactivateDevice', 'COMPLETED', null]]);
      assert.deepEqual(out.loggingAfter, { roleArn: `arn:aws:iam::${ACCOUNT}:role/py-mitigation`, defaultLogLevel: 'DEBUG', disableAllLogs: false });
      assert.deepEqual(out.afterWholeAudit, { expiringStatus: 'INACTIVE', expiredStatus: 'INACTIVE' });

      const [envelope, extra] = await moto.receive(queueUrl, 1);
      assert.ok(envelope, 'no message reached the subscribed queue');
      assert.equal(extra, undefined, 'exactly one message: one PublishSns execution');
      assert.equal(envelope.TopicArn, topicArn);
      assert.equal(envelope.Subject, 'AWS IoT Device Defender audit finding: LOGGING_DISABLED_CHECK');
      assert.deepEqual(envelope.MessageAttributes?.['ddlocal.deduplicationId'], { Type: 'String', Value: `py-audit-task:${ids.logging}:PublishSns` });
      const body = JSON.parse(envelope.Message);
      assert.deepEqual(
        { ...body, findingTime: undefined },
        {
          version: '1',
          accountId: ACCOUNT,
          region: 'us-east-1',
          taskId: 'py-audit-task',
          auditTaskId: out.auditTaskId,
          findingId: ids.logging,
          checkName: 'LOGGING_DISABLED_CHECK',
          severity: 'LOW',
          reasonForNonComplianceCode: 'LOGGING_DISABLED',
          reasonForNonCompliance: 'Neither V1 nor V2 AWS IoT logging is enabled.',
          nonCompliantResource: { resourceType: 'ACCOUNT_SETTINGS', resourceIdentifier: { account: ACCOUNT } },
          relatedResources: [],
          findingTime: undefined,
          actionName: 'PublishSns',
        },
      );
      assert.match(body.findingTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

      // ListAuditMitigationActionsTasks: one task per page, newest first, no gaps or duplicates; filters.
      assert.deepEqual(out.taskPages, [['py-audit-task'], ['py-filtered-task'], ['py-findings-task']]);
      assert.deepEqual(out.taskStatuses, { 'py-audit-task': 'COMPLETED', 'py-filtered-task': 'COMPLETED', 'py-findings-task': 'COMPLETED' });
      assert.deepEqual(out.tasksOfAudit, ['py-audit-task', 'py-filtered-task', 'py-findings-task']);
      // The filtered task counted the past-expiration finding as skipped, so it is listed too (docs/decisions.md#m35).
      assert.deepEqual(out.tasksOfPastFinding, ['py-audit-task', 'py-filtered-task']);
      assert.deepEqual(out.tasksCompleted, ['py-audit-task', 'py-filtered-task', 'py-findings-task']);
      assert.deepEqual(out.tasksCanceled, []);
      assert.equal(out.tasksBadWindow.code, 'InvalidRequestException');
      assert.equal(out.tasksBadWindow.status, 400);
    });
  });
});
