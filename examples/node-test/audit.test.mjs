// ddlocal in node:test: one server for the file, a clean slate before each test, time moved instead of waited for.
// Run: node --test examples/node-test/
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  DescribeAuditTaskCommand,
  ListAuditFindingsCommand,
  ListThingsCommand,
  StartOnDemandAuditTaskCommand,
  UpdateAccountAuditConfigurationCommand,
} from '@aws-sdk/client-iot';
import { startDdlocal } from 'ddlocal/testing';

let ddlocal;
let iot;

before(async () => {
  ddlocal = await startDdlocal(); // a free port, in-memory SQLite, no logs
  iot = ddlocal.iotClient();
});
after(() => ddlocal.stop());
beforeEach(() => ddlocal.reset()); // every account, and the clock back to the system time

/** Runs an on-demand audit of one check and returns its findings once the task is over. */
async function audit(checkName) {
  await iot.send(
    new UpdateAccountAuditConfigurationCommand({
      roleArn: 'arn:aws:iam::123456789012:role/Audit',
      auditCheckConfigurations: { [checkName]: { enabled: true } },
    }),
  );
  const { taskId } = await iot.send(new StartOnDemandAuditTaskCommand({ targetCheckNames: [checkName] }));
  let status = 'IN_PROGRESS';
  while (status === 'IN_PROGRESS') {
    await new Promise((resolve) => setTimeout(resolve, 50));
    ({ taskStatus: status } = await iot.send(new DescribeAuditTaskCommand({ taskId })));
  }
  assert.equal(status, 'COMPLETED');
  return (await iot.send(new ListAuditFindingsCommand({ taskId }))).findings;
}

test('a new certificate is young; 400 days later the age check flags it', async () => {
  await iot.send(new CreateThingCommand({ thingName: 'sensor-1' }));
  const { certificateId } = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));

  assert.deepEqual(await audit('DEVICE_CERTIFICATE_AGE_CHECK'), []);

  await ddlocal.clock.advance(400 * 24 * 3600);
  const findings = await audit('DEVICE_CERTIFICATE_AGE_CHECK');
  assert.equal(findings.length, 1);
  assert.equal(findings[0].nonCompliantResource.resourceIdentifier.deviceCertificateId, certificateId);
});

test('each test starts from an empty registry', async () => {
  const { things } = await iot.send(new ListThingsCommand({}));
  assert.deepEqual(things, []);
});
