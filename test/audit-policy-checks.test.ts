// Checks 11 and 12 (docs/decisions.md#a11, #a40) over policies created through the SDK, on both stores: default
// versions only, one finding per (policy version, reason code), `policyVersionIdentifier` resources, and the reason
// texts of src/audit/analysis/policy-analyser.ts.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { CreatePolicyCommand, CreatePolicyVersionCommand, SetDefaultPolicyVersionCommand, type IoTClient } from '@aws-sdk/client-iot';
import { forEachStore, type TestServer } from './helpers/server.js';
import { iotPolicyOverlyPermissiveCheck } from '../src/audit/checks/iot-policy-overly-permissive.js';
import { iotPolicyPotentialMisConfigurationCheck } from '../src/audit/checks/iot-policy-potential-mis-configuration.js';
import { AUDIT_CHECKS } from '../src/audit/checks/index.js';
import type { AuditCheck } from '../src/audit/checks/check.js';
import { evaluated } from './helpers/check-results.js';

const REGION = 'us-east-1';
const doc = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const arn = (accountId: string, resource: string) => `arn:aws:iot:${REGION}:${accountId}:${resource}`;
const BROAD_CONNECT = (a: string) => doc({ Effect: 'Allow', Action: 'iot:Connect', Resource: arn(a, 'client/*') });
const NARROW_CONNECT = (a: string) => doc({ Effect: 'Allow', Action: 'iot:Connect', Resource: arn(a, 'client/dev1') });
// D1, the example policy of AWS's "AWS IoT policy potentially misconfigured" check page: both mis-configuration
// codes.
const D1 = (a: string) =>
  doc(
    { Effect: 'Allow', Action: 'iot:Subscribe', Resource: arn(a, 'topicfilter/building/*') },
    { Effect: 'Deny', Action: 'iot:Subscribe', Resource: arn(a, 'topicfilter/building/control_room/#') },
    { Effect: 'Allow', Action: 'iot:Receive', Resource: arn(a, 'topic/building/*') },
  );

const policyResource = (policyName: string, policyVersionId: string) => ({
  resourceType: 'IOT_POLICY',
  resourceIdentifier: { policyVersionIdentifier: { policyName, policyVersionId } },
});

forEachStore('IoT policy checks', (suite) => {
  let server: TestServer;
  let account = 200000000000;
  let iot: IoTClient;
  let accountId: string;
  const run = (check: AuditCheck) =>
    server.store.transaction((db) => check.run({ db, accountId, region: REGION, now: Date.now(), configuration: {} })).then(evaluated);
  const createPolicy = (policyName: string, policyDocument: string) => iot.send(new CreatePolicyCommand({ policyName, policyDocument }));
  // A fresh account per test keeps the policies of one test out of the next.
  const fresh = () => {
    accountId = String(++account);
    iot = server.iot(accountId, REGION);
  };
  before(() => ({ server } = suite));

  test('both checks are catalogued with their severities', () => {
    assert.equal(AUDIT_CHECKS.get('IOT_POLICY_OVERLY_PERMISSIVE_CHECK'), iotPolicyOverlyPermissiveCheck);
    assert.equal(iotPolicyOverlyPermissiveCheck.severity, 'CRITICAL');
    assert.equal(AUDIT_CHECKS.get('IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK'), iotPolicyPotentialMisConfigurationCheck);
    assert.equal(iotPolicyPotentialMisConfigurationCheck.severity, 'MEDIUM');
  });

  test('no policies → nothing examined, no findings', async () => {
    fresh();
    assert.deepEqual(await run(iotPolicyOverlyPermissiveCheck), { checked: 0, findings: [] });
    assert.deepEqual(await run(iotPolicyPotentialMisConfigurationCheck), { checked: 0, findings: [] });
  });

  test('overly permissive: every policy examined; only broad ones reported, with the §4.7 text', async () => {
    fresh();
    await createPolicy('b-narrow', NARROW_CONNECT(accountId));
    await createPolicy('a-broad', BROAD_CONNECT(accountId));
    await createPolicy('c-all', doc({ Effect: 'Allow', Action: ['iot:Publish', 'iot:Connect'], Resource: '*' }));
    const result = await run(iotPolicyOverlyPermissiveCheck);
    assert.equal(result.checked, 3);
    assert.deepEqual(result.findings, [
      {
        nonCompliantResource: policyResource('a-broad', '1'),
        reasonForNonComplianceCode: 'ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS',
        reasonForNonCompliance: 'Policy allows broad access to IoT data plane actions: [iot:Connect].',
      },
      {
        nonCompliantResource: policyResource('c-all', '1'),
        reasonForNonComplianceCode: 'ALLOWS_BROAD_ACCESS_TO_IOT_DATA_PLANE_ACTIONS',
        reasonForNonCompliance: 'Policy allows broad access to IoT data plane actions: [iot:Connect, iot:Publish].',
      },
    ]);
  });

  test('only the default version is examined, and the finding names it', async () => {
    fresh();
    await createPolicy('p', BROAD_CONNECT(accountId));
    // v2 becomes the default: the broad v1 is no longer examined.
    await iot.send(new CreatePolicyVersionCommand({ policyName: 'p', policyDocument: NARROW_CONNECT(accountId), setAsDefault: true }));
    assert.deepEqual(await run(iotPolicyOverlyPermissiveCheck), { checked: 1, findings: [] });
    // A broad v3 that is not the default is not examined either.
    await iot.send(new CreatePolicyVersionCommand({ policyName: 'p', policyDocument: BROAD_CONNECT(accountId) }));
    assert.equal((await run(iotPolicyOverlyPermissiveCheck)).findings.length, 0);
    await iot.send(new SetDefaultPolicyVersionCommand({ policyName: 'p', policyVersionId: '3' }));
    const result = await run(iotPolicyOverlyPermissiveCheck);
    assert.equal(result.checked, 1);
    assert.deepEqual(result.findings.map((f) => f.nonCompliantResource), [policyResource('p', '3')]);
  });

  test('mis-configuration: one version with both codes gives two findings; compliant versions none', async () => {
    fresh();
    await createPolicy('d1', D1(accountId));
    await createPolicy('only-allow', doc({ Effect: 'Allow', Action: 'iot:Subscribe', Resource: arn(accountId, 'topicfilter/building/#') }));
    await createPolicy('wildcard-deny', doc({ Effect: 'Deny', Action: 'iot:Publish', Resource: arn(accountId, 'topic/a/+/b') }));
    const result = await run(iotPolicyPotentialMisConfigurationCheck);
    assert.equal(result.checked, 3);
    assert.deepEqual(result.findings, [
      {
        nonCompliantResource: policyResource('d1', '1'),
        reasonForNonComplianceCode: 'POLICY_CONTAINS_MQTT_WILDCARDS_IN_DENY_STATEMENT',
        reasonForNonCompliance: `Deny statement uses MQTT wildcard characters, which IoT policies match literally: [${arn(accountId, 'topicfilter/building/control_room/#')}].`,
      },
      {
        nonCompliantResource: policyResource('d1', '1'),
        reasonForNonComplianceCode: 'TOPIC_FILTERS_INTENDED_TO_DENY_ALLOWED_USING_WILDCARDS',
        reasonForNonCompliance:
          'Subscribing to building/control_room/# is denied, but the allowed filter building/# still delivers messages published under building/control_room/.',
      },
      {
        nonCompliantResource: policyResource('wildcard-deny', '1'),
        reasonForNonComplianceCode: 'POLICY_CONTAINS_MQTT_WILDCARDS_IN_DENY_STATEMENT',
        reasonForNonCompliance: `Deny statement uses MQTT wildcard characters, which IoT policies match literally: [${arn(accountId, 'topic/a/+/b')}].`,
      },
    ]);
    // The overly-permissive check reads the same versions independently: none of these is broad.
    assert.deepEqual(await run(iotPolicyOverlyPermissiveCheck), { checked: 3, findings: [] });
  });

  test('scoped to the account and region of the audit', async () => {
    fresh();
    await server.iot(accountId, 'eu-west-1').send(new CreatePolicyCommand({ policyName: 'elsewhere', policyDocument: BROAD_CONNECT(accountId) }));
    await server.iot(String(account + 500000), REGION).send(new CreatePolicyCommand({ policyName: 'other-account', policyDocument: BROAD_CONNECT(accountId) }));
    assert.deepEqual(await run(iotPolicyOverlyPermissiveCheck), { checked: 0, findings: [] });
    await createPolicy('here', BROAD_CONNECT(accountId));
    const result = await run(iotPolicyOverlyPermissiveCheck);
    assert.equal(result.checked, 1);
    assert.deepEqual(result.findings.map((f) => f.nonCompliantResource), [policyResource('here', '1')]);
  });
});
