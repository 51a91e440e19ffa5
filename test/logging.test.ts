// Logging options over real HTTP with the official SDK, on SQLite and PostgreSQL, plus the exported read/write
// functions the audit check (docs/decisions.md#a39) and the ENABLE_IOT_LOGGING action (docs/decisions.md#m33) use.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  GetLoggingOptionsCommand,
  GetV2LoggingOptionsCommand,
  SetLoggingOptionsCommand,
  SetV2LoggingOptionsCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { forEachStore, errorOf, type TestServer } from './helpers/server.js';
import type { RequestContext } from '../src/registry/context.js';
import {
  enableIotLogging,
  isLoggingEnabled,
  loggingEnabled,
  readV1LoggingOptions,
  readV2LoggingOptions,
  sameV2Options,
  writeV1LoggingOptions,
  writeV2LoggingOptions,
  type V2LoggingOptions,
} from '../src/registry/logging.js';

const ROLE = 'arn:aws:iam::123456789012:role/iot-logging';
const OTHER_ROLE = 'arn:aws:iam::123456789012:role/other-logging';

async function expectError(promise: Promise<unknown>, name: string, status: number, message?: RegExp) {
  const err = await errorOf(() => promise);
  assert.equal(err.name, name, err.message);
  assert.equal(err.$metadata?.httpStatusCode, status);
  if (message) assert.match(err.message, message);
  return err;
}

describe('isLoggingEnabled (Dec A39)', () => {
  const v2 = (o: Partial<V2LoggingOptions>): V2LoggingOptions => ({ disableAllLogs: false, ...o });
  test('nothing configured is disabled', () => {
    assert.equal(isLoggingEnabled(undefined, undefined), false);
  });
  test('V1 with a role counts; an absent level counts as ERROR; DISABLED does not count', () => {
    assert.equal(isLoggingEnabled({ roleArn: ROLE }, undefined), true);
    assert.equal(isLoggingEnabled({ roleArn: ROLE, logLevel: 'WARN' }, undefined), true);
    assert.equal(isLoggingEnabled({ roleArn: ROLE, logLevel: 'DISABLED' }, undefined), false);
  });
  test('V2 counts unless disableAllLogs or a DISABLED default level', () => {
    assert.equal(isLoggingEnabled(undefined, v2({ roleArn: ROLE, defaultLogLevel: 'INFO' })), true);
    assert.equal(isLoggingEnabled(undefined, v2({ roleArn: ROLE })), true);
    assert.equal(isLoggingEnabled(undefined, v2({ roleArn: ROLE, defaultLogLevel: 'INFO', disableAllLogs: true })), false);
    assert.equal(isLoggingEnabled(undefined, v2({ roleArn: ROLE, defaultLogLevel: 'DISABLED' })), false);
  });
  test('either generation suffices', () => {
    const offV2 = v2({ defaultLogLevel: 'DISABLED' });
    assert.equal(isLoggingEnabled({ roleArn: ROLE, logLevel: 'ERROR' }, offV2), true);
    assert.equal(isLoggingEnabled({ roleArn: ROLE, logLevel: 'DISABLED' }, v2({ defaultLogLevel: 'DEBUG' })), true);
    assert.equal(isLoggingEnabled({ roleArn: ROLE, logLevel: 'DISABLED' }, offV2), false);
  });
});

describe('sameV2Options', () => {
  test('compares meaning, not member order or undefined members', () => {
    assert.ok(sameV2Options(undefined, undefined));
    assert.ok(!sameV2Options(undefined, { disableAllLogs: false }));
    assert.ok(sameV2Options({ disableAllLogs: false, roleArn: ROLE }, { roleArn: ROLE, defaultLogLevel: undefined, disableAllLogs: false }));
    assert.ok(!sameV2Options({ disableAllLogs: false, roleArn: ROLE }, { disableAllLogs: true, roleArn: ROLE }));
    assert.ok(
      !sameV2Options(
        { disableAllLogs: false, eventConfigurations: [{ eventType: 'Connect', logLevel: 'INFO' }] },
        { disableAllLogs: false, eventConfigurations: [{ eventType: 'Connect', logLevel: 'WARN' }] },
      ),
    );
  });
});

forEachStore('logging options', (suite) => {
  let server: TestServer;
  let iot: IoTClient;
  before(() => ({ server, iot } = suite));

  /** Runs fn in a real store transaction with a handler context for the given account and region. */
  const inContext = <T>(accountId: string, fn: (ctx: RequestContext) => Promise<T>, region = 'us-east-1') =>
    server.store.transaction((db) =>
      fn({ accountId, region, requestId: 'test', db, clock: server.clock, now: server.clock.now() }),
    );

  test('V1: never configured is {}; set and get round-trip; a later set without logLevel clears it', async () => {
    const client = server.iot('100000000001');
    const empty = await client.send(new GetLoggingOptionsCommand({}));
    assert.equal(empty.roleArn, undefined);
    assert.equal(empty.logLevel, undefined);

    await client.send(new SetLoggingOptionsCommand({ loggingOptionsPayload: { roleArn: ROLE, logLevel: 'WARN' } }));
    const got = await client.send(new GetLoggingOptionsCommand({}));
    assert.equal(got.roleArn, ROLE);
    assert.equal(got.logLevel, 'WARN');

    await client.send(new SetLoggingOptionsCommand({ loggingOptionsPayload: { roleArn: OTHER_ROLE } }));
    const again = await client.send(new GetLoggingOptionsCommand({}));
    assert.equal(again.roleArn, OTHER_ROLE);
    assert.equal(again.logLevel, undefined);
  });

  test('V1: a missing roleArn or an unknown logLevel is InvalidRequestException', async () => {
    const client = server.iot('100000000002');
    await expectError(
      client.send(new SetLoggingOptionsCommand({ loggingOptionsPayload: { logLevel: 'INFO' } as any })),
      'InvalidRequestException',
      400,
      /roleArn/,
    );
    await expectError(
      client.send(new SetLoggingOptionsCommand({ loggingOptionsPayload: { roleArn: ROLE, logLevel: 'VERBOSE' as any } })),
      'InvalidRequestException',
      400,
      /logLevel/,
    );
    // Nothing was stored by the failed calls.
    assert.equal((await client.send(new GetLoggingOptionsCommand({}))).roleArn, undefined);
  });

  test('V2: never set is NotConfiguredException (404); V1 does not configure V2', async () => {
    const client = server.iot('100000000003');
    await expectError(client.send(new GetV2LoggingOptionsCommand({})), 'NotConfiguredException', 404, /not configured/);
    await client.send(new SetLoggingOptionsCommand({ loggingOptionsPayload: { roleArn: ROLE, logLevel: 'INFO' } }));
    await expectError(client.send(new GetV2LoggingOptionsCommand({})), 'NotConfiguredException', 404);
  });

  test('V2: set and get round-trip with event configurations; verbose returns the same options', async () => {
    const client = server.iot('100000000004');
    const eventConfigurations = [
      { eventType: 'Connect', logLevel: 'DEBUG' as const, logDestination: 'my/log-group_1' },
      { eventType: 'Publish-In' },
    ];
    await client.send(
      new SetV2LoggingOptionsCommand({ roleArn: ROLE, defaultLogLevel: 'ERROR', disableAllLogs: true, eventConfigurations }),
    );
    for (const verbose of [undefined, true, false]) {
      const got = await client.send(new GetV2LoggingOptionsCommand({ verbose }));
      assert.equal(got.roleArn, ROLE);
      assert.equal(got.defaultLogLevel, 'ERROR');
      assert.equal(got.disableAllLogs, true);
      assert.deepEqual(got.eventConfigurations, eventConfigurations);
    }
    // Setting V2 leaves V1 untouched.
    assert.equal((await client.send(new GetLoggingOptionsCommand({}))).roleArn, undefined);
  });

  test('V2: a set replaces the options as a whole; disableAllLogs defaults to false', async () => {
    const client = server.iot('100000000005');
    await client.send(
      new SetV2LoggingOptionsCommand({
        roleArn: ROLE,
        defaultLogLevel: 'INFO',
        disableAllLogs: true,
        eventConfigurations: [{ eventType: 'Connect', logLevel: 'WARN' }],
      }),
    );
    await client.send(new SetV2LoggingOptionsCommand({ defaultLogLevel: 'WARN' }));
    const got = await client.send(new GetV2LoggingOptionsCommand({}));
    assert.equal(got.roleArn, undefined);
    assert.equal(got.defaultLogLevel, 'WARN');
    assert.equal(got.disableAllLogs, false);
    assert.equal(got.eventConfigurations, undefined);

    // Even an empty request configures V2 (everything unset, logs not disabled).
    await client.send(new SetV2LoggingOptionsCommand({}));
    const bare = await client.send(new GetV2LoggingOptionsCommand({}));
    assert.equal(bare.disableAllLogs, false);
    assert.equal(bare.defaultLogLevel, undefined);
  });

  test('V2: model violations are InvalidRequestException and store nothing', async () => {
    const client = server.iot('100000000006');
    await expectError(
      client.send(new SetV2LoggingOptionsCommand({ roleArn: ROLE, defaultLogLevel: 'LOUD' as any })),
      'InvalidRequestException',
      400,
      /defaultLogLevel/,
    );
    await expectError(
      client.send(new SetV2LoggingOptionsCommand({ eventConfigurations: [{ logLevel: 'INFO' } as any] })),
      'InvalidRequestException',
      400,
      /eventType/,
    );
    await expectError(
      client.send(new SetV2LoggingOptionsCommand({ eventConfigurations: [{ eventType: 'Connect', logDestination: 'bad dest!' }] })),
      'InvalidRequestException',
      400,
      /logDestination/,
    );
    await expectError(client.send(new GetV2LoggingOptionsCommand({})), 'NotConfiguredException', 404);
  });

  test('options are per account and region', async () => {
    await iot.send(new SetLoggingOptionsCommand({ loggingOptionsPayload: { roleArn: ROLE, logLevel: 'DEBUG' } }));
    await iot.send(new SetV2LoggingOptionsCommand({ roleArn: ROLE, defaultLogLevel: 'DEBUG' }));
    for (const other of [server.iot('100000000007'), server.iot('123456789012', 'eu-west-1')]) {
      assert.equal((await other.send(new GetLoggingOptionsCommand({}))).roleArn, undefined);
      await expectError(other.send(new GetV2LoggingOptionsCommand({})), 'NotConfiguredException', 404);
    }
  });

  test('enableIotLogging from "not configured": role and level set, logs enabled; before is undefined', async () => {
    const account = '100000000008';
    const result = await inContext(account, (ctx) => enableIotLogging(ctx, ROLE, 'INFO'));
    assert.equal(result.before, undefined);
    assert.deepEqual(result.after, { disableAllLogs: false, roleArn: ROLE, defaultLogLevel: 'INFO' });
    const got = await server.iot(account).send(new GetV2LoggingOptionsCommand({}));
    assert.equal(got.roleArn, ROLE);
    assert.equal(got.defaultLogLevel, 'INFO');
    assert.equal(got.disableAllLogs, false);
    assert.equal(await inContext(account, loggingEnabled), true);
  });

  test('enableIotLogging keeps event configurations and turns disableAllLogs off (Dec M33); undo restores', async () => {
    const account = '100000000009';
    const client = server.iot(account);
    const eventConfigurations = [{ eventType: 'Connect', logLevel: 'DEBUG' as const }];
    await client.send(
      new SetV2LoggingOptionsCommand({ roleArn: OTHER_ROLE, defaultLogLevel: 'DISABLED', disableAllLogs: true, eventConfigurations }),
    );
    assert.equal(await inContext(account, loggingEnabled), false);

    const { before, after: written } = await inContext(account, (ctx) => enableIotLogging(ctx, ROLE, 'WARN'));
    assert.deepEqual(before, { disableAllLogs: true, roleArn: OTHER_ROLE, defaultLogLevel: 'DISABLED', eventConfigurations });
    const got = await client.send(new GetV2LoggingOptionsCommand({}));
    assert.equal(got.roleArn, ROLE);
    assert.equal(got.defaultLogLevel, 'WARN');
    assert.equal(got.disableAllLogs, false);
    assert.deepEqual(got.eventConfigurations, eventConfigurations);
    assert.equal(await inContext(account, loggingEnabled), true);

    // What an undo does: compare with what was written, then put the previous options back.
    const current = await inContext(account, readV2LoggingOptions);
    assert.ok(sameV2Options(current, written));
    await inContext(account, (ctx) => writeV2LoggingOptions(ctx, before));
    const restored = await client.send(new GetV2LoggingOptionsCommand({}));
    assert.equal(restored.roleArn, OTHER_ROLE);
    assert.equal(restored.disableAllLogs, true);
    assert.deepEqual(restored.eventConfigurations, eventConfigurations);
  });

  test('writeV2LoggingOptions(undefined) returns V2 to "not configured" and leaves V1 alone', async () => {
    const account = '100000000010';
    await inContext(account, (ctx) => writeV1LoggingOptions(ctx, { roleArn: ROLE, logLevel: 'DISABLED' }));
    await inContext(account, (ctx) => enableIotLogging(ctx, ROLE, 'ERROR'));
    await inContext(account, (ctx) => writeV2LoggingOptions(ctx, undefined));
    await expectError(server.iot(account).send(new GetV2LoggingOptionsCommand({})), 'NotConfiguredException', 404);
    assert.deepEqual(await inContext(account, readV1LoggingOptions), { roleArn: ROLE, logLevel: 'DISABLED' });
    // V1 at DISABLED and no V2: the audit sees logging off.
    assert.equal(await inContext(account, loggingEnabled), false);
  });
});
