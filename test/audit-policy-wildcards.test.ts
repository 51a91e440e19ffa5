// Regression: a policy with many wildcards must not freeze the server when it is audited. The policy analyser used
// to match action patterns and resource paths with RegExps built from the policy, which backtrack for minutes on
// patterns like `*a*a…*b`; checks 11 and 12 match such patterns against action names and against probe topics built
// from the policy's own Deny resources. The server runs as a child process, so the health probes can time it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreatePolicyCommand,
  DescribeAuditTaskCommand,
  ListAuditFindingsCommand,
  StartOnDemandAuditTaskCommand,
  UpdateAccountAuditConfigurationCommand,
} from '@aws-sdk/client-iot';
import { forEachStore, iotClient } from './helpers/server.js';
import { probeHealth, startChildServer, whileProbingHealth, type ChildServer } from './helpers/responsiveness.js';

const ACCOUNT = '123456789012';
const arn = (resource: string) => `arn:aws:iot:us-east-1:${ACCOUNT}:${resource}`;
const CHECKS = ['IOT_POLICY_OVERLY_PERMISSIVE_CHECK', 'IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK'];
/** Twelve wildcards, and a last character the values never end with. */
const WILD = `${'*e'.repeat(12)}*x`;
const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    // Check 11 matches the action pattern against every data-plane action name.
    { Effect: 'Allow', Action: `iot:${WILD}`, Resource: '*' },
    // Check 12 probes whether messages under the denied prefix are receivable: `${prefix}ddlocal-probe` against the
    // Receive resource below, a 120-character prefix of `e`s.
    { Effect: 'Deny', Action: 'iot:Subscribe', Resource: arn(`topicfilter/${'e'.repeat(120)}/#`) },
    { Effect: 'Allow', Action: 'iot:Receive', Resource: arn(`topic/${WILD}`) },
  ],
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

forEachStore('auditing a wildcard-heavy policy does not block the server', { server: false }, ({ store: storeKind }) => {
  let server: ChildServer;
  before(async () => {
    server = await startChildServer(storeKind);
  });
  after(() => server.close());

  test('checks 11 and 12 over a policy with 12-wildcard action and resource patterns', { timeout: 120_000 }, async () => {
    const iot = iotClient(server.url, ACCOUNT);
    const opts = () => ({ abortSignal: AbortSignal.timeout(15_000) });
    await iot.send(new CreatePolicyCommand({ policyName: 'wild', policyDocument: POLICY }), opts());
    await iot.send(
      new UpdateAccountAuditConfigurationCommand({
        roleArn: `arn:aws:iam::${ACCOUNT}:role/audit`,
        auditCheckConfigurations: Object.fromEntries(CHECKS.map((c) => [c, { enabled: true }])),
      }),
      opts(),
    );
    const { taskId } = await whileProbingHealth(server.url, iot.send(new StartOnDemandAuditTaskCommand({ targetCheckNames: CHECKS }), opts()));
    // The audit runs after the starting request: probe while it does.
    for (;;) {
      await probeHealth(server.url);
      const d = await iot.send(new DescribeAuditTaskCommand({ taskId }), opts());
      if (d.taskStatus !== 'IN_PROGRESS') {
        assert.equal(d.taskStatus, 'COMPLETED');
        break;
      }
      await sleep(50);
    }
    const { findings } = await iot.send(new ListAuditFindingsCommand({ taskId }), opts());
    // No data-plane action matches `iot:*e…*x`, and no probe topic is receivable: only the MQTT wildcard in the Deny.
    assert.deepEqual(
      findings!.map((f) => [f.checkName, f.reasonForNonComplianceCode]),
      [['IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK', 'POLICY_CONTAINS_MQTT_WILDCARDS_IN_DENY_STATEMENT']],
    );
  });
});
