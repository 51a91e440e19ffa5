// Describe/Update/DeleteAccountAuditConfiguration through the official SDK over HTTP, on both stores.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateScheduledAuditCommand,
  DeleteAccountAuditConfigurationCommand,
  DescribeAccountAuditConfigurationCommand,
  DescribeScheduledAuditCommand,
  UpdateAccountAuditConfigurationCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { forEachStore, errorOf, type TestServer } from './helpers/server.js';

const ROLE = 'arn:aws:iam::123456789012:role/audit';

async function assertInvalid(p: () => Promise<unknown>, pattern: RegExp) {
  const err = await errorOf(p);
  assert.equal(err.name, 'InvalidRequestException');
  assert.equal(err.$metadata?.httpStatusCode, 400);
  assert.match(err.message, pattern);
}

forEachStore('audit configuration', (suite) => {
  let server: TestServer;
  let iot: IoTClient;
  before(() => ({ server, iot } = suite));

  test('a fresh account lists all 17 checks disabled, alphabetically, without role or targets', async () => {
    const d = await server.iot('111111111111').send(new DescribeAccountAuditConfigurationCommand({}));
    const names = Object.keys(d.auditCheckConfigurations!);
    assert.equal(names.length, 17);
    assert.deepEqual(names, [...names].sort());
    assert.ok(names.includes('IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK'));
    assert.ok(Object.values(d.auditCheckConfigurations!).every((c) => c.enabled === false && c.configuration === undefined));
    assert.equal(d.roleArn, undefined);
    assert.equal(d.auditNotificationTargetConfigurations, undefined);
  });

  test('first configuration needs roleArn and an enabled check', async () => {
    const a = server.iot('222222222222');
    await assertInvalid(
      () => a.send(new UpdateAccountAuditConfigurationCommand({ auditCheckConfigurations: { LOGGING_DISABLED_CHECK: { enabled: true } } })),
      /roleArn/,
    );
    await assertInvalid(
      () =>
        a.send(
          new UpdateAccountAuditConfigurationCommand({
            roleArn: 'arn:aws:iam::222222222222:role/x',
            auditCheckConfigurations: { LOGGING_DISABLED_CHECK: { enabled: false } },
          }),
        ),
      /at least one audit check/,
    );
    await assertInvalid(
      () =>
        a.send(
          new UpdateAccountAuditConfigurationCommand({
            roleArn: 'arn:aws:s3:::bucket-not-a-role',
            auditCheckConfigurations: { LOGGING_DISABLED_CHECK: { enabled: true } },
          }),
        ),
      /not an IAM role ARN/,
    );
  });

  test('merge semantics, alias, thresholds kept when disabled', async () => {
    await iot.send(
      new UpdateAccountAuditConfigurationCommand({
        roleArn: ROLE,
        auditCheckConfigurations: {
          LOGGING_DISABLED_CHECK: { enabled: true },
          IOT_POLICY_POTENTIAL_MISCONFIGURATION_CHECK: { enabled: true },
          DEVICE_CERTIFICATE_EXPIRING_CHECK: { enabled: true, configuration: { CERT_EXPIRATION_THRESHOLD_IN_DAYS: '60' } },
        },
      }),
    );
    // An entry without configuration keeps the stored threshold; disabling keeps it too (docs/decisions.md#a4).
    await iot.send(
      new UpdateAccountAuditConfigurationCommand({
        auditCheckConfigurations: { DEVICE_CERTIFICATE_EXPIRING_CHECK: { enabled: false } },
      }),
    );
    const d = await iot.send(new DescribeAccountAuditConfigurationCommand({}));
    const c = d.auditCheckConfigurations!;
    assert.equal(d.roleArn, ROLE);
    assert.equal(c.LOGGING_DISABLED_CHECK!.enabled, true);
    assert.equal(c.IOT_POLICY_POTENTIAL_MIS_CONFIGURATION_CHECK!.enabled, true, 'stored under the canonical name');
    assert.equal(c.IOT_POLICY_POTENTIAL_MISCONFIGURATION_CHECK, undefined);
    assert.deepEqual(c.DEVICE_CERTIFICATE_EXPIRING_CHECK, {
      enabled: false,
      configuration: { CERT_EXPIRATION_THRESHOLD_IN_DAYS: '60' },
    });
  });

  test('unknown and documentation-only check names are rejected', async () => {
    for (const name of ['REVOKED_CA_CERT_CHECK', 'DEVICE_CERT_APPROACHING_EXPIRATION_CHECK', 'NOPE'])
      await assertInvalid(
        () => iot.send(new UpdateAccountAuditConfigurationCommand({ auditCheckConfigurations: { [name]: { enabled: true } } })),
        new RegExp(name),
      );
  });

  test('thresholds: wrong check, out of range, not a number', async () => {
    const send = (check: string, key: string, value: string) =>
      iot.send(
        new UpdateAccountAuditConfigurationCommand({
          auditCheckConfigurations: { [check]: { enabled: true, configuration: { [key]: value } } },
        }),
      );
    await assertInvalid(() => send('DEVICE_CERTIFICATE_AGE_CHECK', 'CERT_EXPIRATION_THRESHOLD_IN_DAYS', '60'), /does not apply/);
    await assertInvalid(() => send('DEVICE_CERTIFICATE_AGE_CHECK', 'CERT_AGE_THRESHOLD_IN_DAYS', '29'), /30 to 3652/);
    await assertInvalid(() => send('DEVICE_CERTIFICATE_AGE_CHECK', 'CERT_AGE_THRESHOLD_IN_DAYS', '3653'), /30 to 3652/);
    await assertInvalid(() => send('DEVICE_CERTIFICATE_AGE_CHECK', 'CERT_AGE_THRESHOLD_IN_DAYS', '1e2'), /30 to 3652/);
    await send('DEVICE_CERTIFICATE_AGE_CHECK', 'CERT_AGE_THRESHOLD_IN_DAYS', '3652');
    const d = await iot.send(new DescribeAccountAuditConfigurationCommand({}));
    assert.deepEqual(d.auditCheckConfigurations!.DEVICE_CERTIFICATE_AGE_CHECK!.configuration, { CERT_AGE_THRESHOLD_IN_DAYS: '3652' });
  });

  test('notification targets: enabled needs both ARNs; disabled targets are stored', async () => {
    await assertInvalid(
      () =>
        iot.send(
          new UpdateAccountAuditConfigurationCommand({
            auditNotificationTargetConfigurations: { SNS: { enabled: true, targetArn: 'arn:aws:sns:us-east-1:123456789012:t' } },
          }),
        ),
      /targetArn and roleArn/,
    );
    await assertInvalid(
      () =>
        iot.send(
          new UpdateAccountAuditConfigurationCommand({
            auditNotificationTargetConfigurations: { SNS: { enabled: true, targetArn: 'arn:aws:sqs:us-east-1:123456789012:q', roleArn: ROLE } },
          }),
        ),
      /not an SNS topic ARN/,
    );
    await iot.send(
      new UpdateAccountAuditConfigurationCommand({
        auditNotificationTargetConfigurations: { SNS: { enabled: false, targetArn: 'arn:aws:sns:us-east-1:123456789012:t' } },
      }),
    );
    const d = await iot.send(new DescribeAccountAuditConfigurationCommand({}));
    assert.deepEqual(d.auditNotificationTargetConfigurations, {
      SNS: { enabled: false, targetArn: 'arn:aws:sns:us-east-1:123456789012:t' },
    });
  });

  test('a check used by a scheduled audit cannot be disabled; delete needs deleteScheduledAudits', async () => {
    await iot.send(
      new CreateScheduledAuditCommand({ scheduledAuditName: 'nightly', frequency: 'DAILY', targetCheckNames: ['LOGGING_DISABLED_CHECK'] }),
    );
    await assertInvalid(
      () => iot.send(new UpdateAccountAuditConfigurationCommand({ auditCheckConfigurations: { LOGGING_DISABLED_CHECK: { enabled: false } } })),
      /nightly/,
    );
    await assertInvalid(() => iot.send(new DeleteAccountAuditConfigurationCommand({})), /deleteScheduledAudits/);
    await iot.send(new DeleteAccountAuditConfigurationCommand({ deleteScheduledAudits: true }));
    const gone = await errorOf(() => iot.send(new DescribeScheduledAuditCommand({ scheduledAuditName: 'nightly' })));
    assert.equal(gone.name, 'ResourceNotFoundException');
    const d = await iot.send(new DescribeAccountAuditConfigurationCommand({}));
    assert.equal(d.roleArn, undefined);
    assert.equal(d.auditNotificationTargetConfigurations, undefined);
    assert.ok(Object.values(d.auditCheckConfigurations!).every((c) => !c.enabled && !c.configuration));
  });

  test('delete of a never-configured account is ResourceNotFoundException', async () => {
    const err = await errorOf(() => server.iot('333333333333').send(new DeleteAccountAuditConfigurationCommand({})));
    assert.equal(err.name, 'ResourceNotFoundException');
    assert.equal(err.$metadata?.httpStatusCode, 404);
  });
});
