// LOGGING_DISABLED_CHECK (docs/decisions.md#a39) over logging options set through the SDK, on both stores.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { SetLoggingOptionsCommand, SetV2LoggingOptionsCommand, type IoTClient } from '@aws-sdk/client-iot';
import { forEachStore, type TestServer } from './helpers/server.js';
import { loggingDisabledCheck } from '../src/audit/checks/logging-disabled.js';
import { AUDIT_CHECKS } from '../src/audit/checks/index.js';
import { evaluated } from './helpers/check-results.js';

const ROLE = 'arn:aws:iam::123456789012:role/iot-logging';

forEachStore('LOGGING_DISABLED_CHECK', (suite) => {
  let server: TestServer;
  let account = 100000000000;
  // Every test gets a fresh account so the logging state of one does not leak into the next.
  let iot: IoTClient;
  let accountId: string;
  const run = () =>
    server.store.transaction((db) =>
      loggingDisabledCheck.run({ db, accountId, region: 'us-east-1', now: Date.now(), configuration: {} }),
    ).then(evaluated);
  before(() => ({ server } = suite));
  const fresh = () => {
    accountId = String(++account);
    iot = server.iot(accountId);
  };

  test('is catalogued with severity LOW', () => {
    assert.equal(AUDIT_CHECKS.get('LOGGING_DISABLED_CHECK'), loggingDisabledCheck);
    assert.equal(loggingDisabledCheck.severity, 'LOW');
  });

  test('never configured → one LOGGING_DISABLED finding for the account', async () => {
    fresh();
    const result = await run();
    assert.equal(result.checked, 1);
    assert.deepEqual(result.findings, [
      {
        nonCompliantResource: { resourceType: 'ACCOUNT_SETTINGS', resourceIdentifier: { account: accountId } },
        reasonForNonComplianceCode: 'LOGGING_DISABLED',
        reasonForNonCompliance: 'Neither V1 nor V2 AWS IoT logging is enabled.',
      },
    ]);
  });

  test('V2 enabled → compliant; disableAllLogs or level DISABLED → non-compliant', async () => {
    fresh();
    await iot.send(new SetV2LoggingOptionsCommand({ roleArn: ROLE, defaultLogLevel: 'INFO', disableAllLogs: false }));
    assert.equal((await run()).findings.length, 0);
    await iot.send(new SetV2LoggingOptionsCommand({ roleArn: ROLE, defaultLogLevel: 'INFO', disableAllLogs: true }));
    assert.equal((await run()).findings.length, 1);
    await iot.send(new SetV2LoggingOptionsCommand({ roleArn: ROLE, defaultLogLevel: 'DISABLED', disableAllLogs: false }));
    assert.equal((await run()).findings.length, 1);
  });

  test('V1 with a role: absent level counts as ERROR (compliant); DISABLED is non-compliant', async () => {
    fresh();
    await iot.send(new SetLoggingOptionsCommand({ loggingOptionsPayload: { roleArn: ROLE } }));
    assert.equal((await run()).findings.length, 0);
    await iot.send(new SetLoggingOptionsCommand({ loggingOptionsPayload: { roleArn: ROLE, logLevel: 'DISABLED' } }));
    assert.equal((await run()).findings.length, 1);
    // Either generation suffices: V1 disabled but V2 on is compliant.
    await iot.send(new SetV2LoggingOptionsCommand({ roleArn: ROLE, defaultLogLevel: 'WARN' }));
    assert.equal((await run()).findings.length, 0);
  });

  test('scoped to the region: logging on in another region does not count', async () => {
    fresh();
    await server
      .iot(accountId, 'eu-west-1')
      .send(new SetV2LoggingOptionsCommand({ roleArn: ROLE, defaultLogLevel: 'INFO', disableAllLogs: false }));
    assert.equal((await run()).findings.length, 1);
  });
});
