// The mitigation engine beyond the happy path: PUBLISH_FINDING_TO_SNS executions that wait for real SNS delivery
// (moto_server with an SQS subscriber) before the finding's next action runs, SNS failures, and role-permission
// enforcement (docs/decisions.md#m32) — on both stores, over HTTP with the official SDK.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  DescribeAuditTaskCommand,
  GetPolicyCommand,
  ListAuditMitigationActionsExecutionsCommand,
  StartAuditMitigationActionsTaskCommand,
  StartOnDemandAuditTaskCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { forEachStore, type TestServer } from './helpers/server.js';
import { startMoto, MOTO_CREDENTIALS, type Moto } from './helpers/moto.js';
import { mitigationScenario, waitForMitigationTask, SCENARIO_CHECKS } from './helpers/mitigation-scenario.js';

const executions = async (iot: IoTClient, taskId: string, findingId: string) =>
  (await iot.send(new ListAuditMitigationActionsExecutionsCommand({ taskId, findingId }))).actionsExecutions!;

async function putRole(server: TestServer, accountId: string, name: string, policies: unknown[]) {
  const res = await fetch(`${server.url}/_ddlocal/iam/roles/${name}`, {
    method: 'PUT',
    headers: { authorization: `AWS4-HMAC-SHA256 Credential=${accountId}/20300101/us-east-1/iot/aws4_request, SignedHeaders=host, Signature=x` },
    body: JSON.stringify({ policies }),
  });
  assert.equal(res.status, 200, await res.text());
}

const allow = (...actions: string[]) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] });

let accountSeq = 420000000000;

describe('PUBLISH_FINDING_TO_SNS through a mitigation task (moto SNS)', () => {
  let moto: Moto;
  before(async () => {
    moto = await startMoto();
  });
  after(() => moto?.stop());

  forEachStore((store) => store, { server: () => ({ sns: { endpoint: moto.url, credentials: MOTO_CREDENTIALS } }) }, (suite) => {
    const storeKind = suite.store;
    let server: TestServer;
    before(() => ({ server } = suite));

    test('Notify then Reset: the reset waits for delivery; the subscriber gets the documented message', async () => {
      const { topicArn, queueUrl } = await moto.topicWithQueue(`mitigation-${storeKind}`);
      const s = await mitigationScenario(server, String(++accountSeq), { topicArn });
      const finding = s.policyFinding('broad-a');
      const { taskId } = await s.iot.send(
        new StartAuditMitigationActionsTaskCommand({
          taskId: 'notify-then-reset',
          target: { findingIds: [finding.findingId!] },
          auditCheckToActionsMapping: { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['Notify', 'ResetPolicyVersionAction'] },
        }),
      );
      const task = await waitForMitigationTask(s.iot, taskId!);
      assert.equal(task.taskStatus, 'COMPLETED');
      const [notify, reset] = await executions(s.iot, taskId!, finding.findingId!);
      assert.equal(notify!.status, 'COMPLETED');
      assert.match(notify!.message!, new RegExp(`Published to ${topicArn}`));
      assert.equal(reset!.status, 'COMPLETED');
      assert.ok(reset!.startTime! >= notify!.endTime!, 'the second action starts only after the message was delivered');
      assert.equal((await s.iot.send(new GetPolicyCommand({ policyName: 'broad-a' }))).defaultVersionId, '2');

      const [envelope] = await moto.receive(queueUrl, 1);
      assert.equal(envelope!.Subject, 'AWS IoT Device Defender audit finding: IOT_POLICY_OVERLY_PERMISSIVE_CHECK');
      assert.deepEqual(envelope!.MessageAttributes?.['ddlocal.deduplicationId'], {
        Type: 'String',
        Value: `notify-then-reset:${finding.findingId}:Notify`,
      });
      const body = JSON.parse(envelope!.Message);
      assert.equal(body.version, '1');
      assert.equal(body.taskId, 'notify-then-reset');
      assert.equal(body.auditTaskId, s.auditTaskId);
      assert.equal(body.findingId, finding.findingId);
      assert.equal(body.checkName, 'IOT_POLICY_OVERLY_PERMISSIVE_CHECK');
      assert.equal(body.severity, 'CRITICAL');
      assert.equal(body.reasonForNonComplianceCode, 'ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS');
      assert.deepEqual(body.nonCompliantResource.resourceIdentifier, { policyVersionIdentifier: { policyName: 'broad-a', policyVersionId: '1' } });
      assert.deepEqual(body.relatedResources, []);
      assert.equal(body.actionName, 'Notify');
      assert.equal(new Date(body.findingTime).getTime(), finding.findingTime!.getTime());
    });

    test('a topic SNS does not know: the execution FAILS, the next action is skipped, the task is FAILED', async () => {
      const s = await mitigationScenario(server, String(++accountSeq), {
        topicArn: `arn:aws:sns:us-east-1:123456789012:missing-${storeKind}`,
      });
      const finding = s.policyFinding('broad-b');
      const { taskId } = await s.iot.send(
        new StartAuditMitigationActionsTaskCommand({
          taskId: 'missing-topic',
          target: { findingIds: [finding.findingId!] },
          auditCheckToActionsMapping: { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['Notify', 'ResetPolicyVersionAction'] },
        }),
      );
      const task = await waitForMitigationTask(s.iot, taskId!);
      assert.equal(task.taskStatus, 'FAILED');
      const [notify, reset] = await executions(s.iot, taskId!, finding.findingId!);
      assert.equal(notify!.status, 'FAILED');
      assert.equal(notify!.errorCode, 'INVALID_STATE_OF_RESOURCE');
      assert.match(notify!.message!, /NotFound/);
      assert.equal(reset!.status, 'SKIPPED');
      assert.equal((await s.iot.send(new GetPolicyCommand({ policyName: 'broad-b' }))).defaultVersionId, '1');
    });
  });
});

/** Runs ResetPolicyVersionAction on one policy finding of the scenario; returns its execution. */
async function resetPolicyVersion(s: Awaited<ReturnType<typeof mitigationScenario>>, taskId: string, finding: 'broad-a' | 'broad-b') {
  await s.iot.send(
    new StartAuditMitigationActionsTaskCommand({
      taskId,
      target: { findingIds: [s.policyFinding(finding).findingId!] },
      auditCheckToActionsMapping: { IOT_POLICY_OVERLY_PERMISSIVE_CHECK: ['ResetPolicyVersionAction'] },
    }),
  );
  await waitForMitigationTask(s.iot, taskId);
  return (await executions(s.iot, taskId, s.policyFinding(finding).findingId!))[0]!;
}

forEachStore('role-permission enforcement', { server: { enforceRolePermissions: true } }, (suite) => {
  let server: TestServer;
  before(() => ({ server } = suite));

  test('an action role that is missing, lacks the permission, or is denied it → INSUFFICIENT_PERMISSIONS; allowed → applied', async () => {
    const accountId = String(++accountSeq);
    // The audit that produces the findings needs its role in the store too; this one cannot create policy versions.
    await putRole(server, accountId, 'mitigation', [allow('iot:UpdateCertificate')]);
    const s = await mitigationScenario(server, accountId);
    const run = (taskId: string, finding: 'broad-a' | 'broad-b') => resetPolicyVersion(s, taskId, finding);
    const lacking = await run('lacking', 'broad-a');
    assert.equal(lacking.status, 'FAILED');
    assert.equal(lacking.errorCode, 'INSUFFICIENT_PERMISSIONS');
    assert.match(lacking.message!, /Mitigation action ResetPolicyVersionAction: Role .* does not allow iot:CreatePolicyVersion/);

    const removed = await fetch(`${server.url}/_ddlocal/iam/roles/mitigation`, {
      method: 'DELETE',
      headers: { authorization: `AWS4-HMAC-SHA256 Credential=${accountId}/20300101/us-east-1/iot/aws4_request, SignedHeaders=host, Signature=x` },
    });
    assert.equal(removed.status, 200);
    const missing = await run('no-role', 'broad-a');
    assert.equal(missing.errorCode, 'INSUFFICIENT_PERMISSIONS');
    assert.match(missing.message!, /Role arn:aws:iam::\d{12}:role\/mitigation is not in ddlocal's IAM store/);

    await putRole(server, s.accountId, 'mitigation', [
      allow('iot:*'),
      { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'iot:CreatePolicy*', Resource: '*' }] },
    ]);
    const denied = await run('denied', 'broad-a');
    assert.equal(denied.errorCode, 'INSUFFICIENT_PERMISSIONS', 'an explicit Deny wins');
    assert.equal((await s.iot.send(new GetPolicyCommand({ policyName: 'broad-a' }))).defaultVersionId, '1', 'nothing applied');

    await putRole(server, s.accountId, 'mitigation', [allow('iot:CreatePolicyVersion')]);
    const allowed = await run('allowed', 'broad-b');
    assert.equal(allowed.status, 'COMPLETED');
    assert.equal((await s.iot.send(new GetPolicyCommand({ policyName: 'broad-b' }))).defaultVersionId, '2');
  });

  test('role policies are judged on the resources the execution touches, with conditions, as IAM does', async () => {
    const accountId = String(++accountSeq);
    await putRole(server, accountId, 'mitigation', [allow('iot:UpdateCertificate')]);
    const s = await mitigationScenario(server, accountId);
    const run = (taskId: string, finding: 'broad-a' | 'broad-b') => resetPolicyVersion(s, taskId, finding);
    const onlyB = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'iot:CreatePolicyVersion', Resource: `arn:aws:iot:us-east-1:${accountId}:policy/broad-b` }],
    };
    await putRole(server, accountId, 'mitigation', [onlyB]);
    const otherPolicy = await run('other-policy', 'broad-a');
    assert.equal(otherPolicy.errorCode, 'INSUFFICIENT_PERMISSIONS');
    assert.equal(
      otherPolicy.message,
      `Mitigation action ResetPolicyVersionAction: Role arn:aws:iam::${accountId}:role/mitigation does not allow ` +
        `iot:CreatePolicyVersion on arn:aws:iot:us-east-1:${accountId}:policy/broad-a: no statement of its policies allows it`,
    );
    assert.equal((await s.iot.send(new GetPolicyCommand({ policyName: 'broad-a' }))).defaultVersionId, '1', 'nothing applied');

    // A condition on the principal that does not hold denies; the same statement without it allows.
    const wrongPrincipal = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'iot:CreatePolicyVersion',
          Resource: 'arn:aws:iot:*:*:policy/broad-*',
          Condition: { ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${accountId}:role/someone-else` } },
        },
      ],
    };
    await putRole(server, accountId, 'mitigation', [wrongPrincipal]);
    assert.equal((await run('wrong-principal', 'broad-a')).errorCode, 'INSUFFICIENT_PERMISSIONS');
    await putRole(server, accountId, 'mitigation', [onlyB]);
    assert.equal((await run('exact-resource', 'broad-b')).status, 'COMPLETED');
  });

  test('an audit whose role is not in the IAM store: every check FAILS with INSUFFICIENT_PERMISSIONS', async () => {
    const s = await mitigationScenario(server, String(++accountSeq));
    const d = await s.iot.send(new DescribeAuditTaskCommand({ taskId: s.auditTaskId }));
    assert.equal(d.taskStatus, 'FAILED');
    for (const check of SCENARIO_CHECKS) {
      assert.equal(d.auditDetails![check]!.errorCode, 'INSUFFICIENT_PERMISSIONS');
      assert.match(d.auditDetails![check]!.message!, /audit role .* is not in ddlocal's IAM store/);
    }
    await putRole(server, s.accountId, 'mitigation', [allow('iot:Describe*', 'iot:List*')]);
    const { taskId } = await s.iot.send(new StartOnDemandAuditTaskCommand({ targetCheckNames: SCENARIO_CHECKS }));
    for (let i = 0; i < 400; i++) {
      if ((await s.iot.send(new DescribeAuditTaskCommand({ taskId }))).taskStatus !== 'IN_PROGRESS') break;
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.equal((await s.iot.send(new DescribeAuditTaskCommand({ taskId }))).taskStatus, 'COMPLETED');
  });
});
