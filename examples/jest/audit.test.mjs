// ddlocal in jest: the global setup (global-setup.mjs) starts one server and puts its URL in DDLOCAL_ENDPOINT; every
// test starts from a clean slate and moves time instead of waiting for it.
// Run from the repository root:
//   node --experimental-vm-modules node_modules/jest/bin/jest.js --config examples/jest/jest.config.mjs
import { beforeEach, expect, test } from '@jest/globals';
import {
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  DescribeAuditTaskCommand,
  ListAuditFindingsCommand,
  ListThingsCommand,
  StartOnDemandAuditTaskCommand,
  UpdateAccountAuditConfigurationCommand,
} from '@aws-sdk/client-iot';
import { connectDdlocal } from 'ddlocal/testing';

const ddlocal = connectDdlocal(process.env.DDLOCAL_ENDPOINT);
const iot = ddlocal.iotClient();

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
  expect(status).toBe('COMPLETED');
  return (await iot.send(new ListAuditFindingsCommand({ taskId }))).findings;
}

test('a new certificate is young; 400 days later the age check flags it', async () => {
  await iot.send(new CreateThingCommand({ thingName: 'sensor-1' }));
  const { certificateId } = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));

  expect(await audit('DEVICE_CERTIFICATE_AGE_CHECK')).toEqual([]);

  await ddlocal.clock.advance(400 * 24 * 3600);
  const findings = await audit('DEVICE_CERTIFICATE_AGE_CHECK');
  expect(findings).toHaveLength(1);
  expect(findings[0].nonCompliantResource.resourceIdentifier.deviceCertificateId).toBe(certificateId);
});

test('each test starts from an empty registry', async () => {
  const { things } = await iot.send(new ListThingsCommand({}));
  expect(things).toEqual([]);
});
